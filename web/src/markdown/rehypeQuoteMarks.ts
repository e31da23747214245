// A rehype plugin: text between QUOTE_START and QUOTE_END (inserted around a citation's quoted span
// before the passage is parsed) is wrapped in <mark class="quote">, however many elements it crosses.
import type { Element, ElementContent, Root, Text } from 'hast';

export const QUOTE_START = '\uE000';
export const QUOTE_END = '\uE001';

function marked(value: string): Element {
  return { type: 'element', tagName: 'mark', properties: { className: ['quote'] }, children: [{ type: 'text', value }] };
}

export function rehypeQuoteMarks() {
  return (tree: Root) => {
    let inside = false;
    const walk = (children: ElementContent[] | Root['children']): void => {
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        if (child.type === 'element') {
          walk(child.children);
          continue;
        }
        if (child.type !== 'text') continue;
        const pieces: ElementContent[] = [];
        let buffer = '';
        const flush = () => {
          if (buffer) pieces.push(inside ? marked(buffer) : ({ type: 'text', value: buffer } as Text));
          buffer = '';
        };
        for (const ch of (child as Text).value) {
          if (ch === QUOTE_START || ch === QUOTE_END) {
            flush();
            inside = ch === QUOTE_START;
          } else {
            buffer += ch;
          }
        }
        flush();
        if (pieces.length !== 1 || pieces[0] !== child) {
          (children as ElementContent[]).splice(i, 1, ...pieces);
          i += pieces.length - 1;
        }
      }
    };
    walk(tree.children);
  };
}
