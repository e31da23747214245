// A remark plugin: `[n]` markers in answer text become citation nodes (rendered as chips), wherever
// they sit in the Markdown (paragraphs, list items, table cells), but never inside code.
import type { Root, Text, PhrasingContent } from 'mdast';
import { visit, SKIP } from 'unist-util-visit';

const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
export const CITATION_CLASS = 'citation-ref';

export interface CitationOptions {
  /** Citation numbers the answer really has; other markers stay text. */
  known: ReadonlySet<number>;
}

function citationNode(n: number): PhrasingContent {
  // An mdast node of our own, turned into <span class="citation-ref" data-citation-number="n">.
  return {
    type: 'text',
    value: `[${n}]`,
    data: { hName: 'span', hProperties: { className: [CITATION_CLASS], dataCitationNumber: n } },
  } as unknown as PhrasingContent;
}

export function splitMarkers(value: string, known: ReadonlySet<number>): PhrasingContent[] | null {
  const out: PhrasingContent[] = [];
  let last = 0;
  for (const match of value.matchAll(MARKER)) {
    const numbers = (match[1] ?? '').split(',').map((n) => Number(n.trim()));
    if (!numbers.every((n) => known.has(n))) continue;
    const at = match.index ?? 0;
    if (at > last) out.push({ type: 'text', value: value.slice(last, at) });
    for (const n of numbers) out.push(citationNode(n));
    last = at + match[0].length;
  }
  if (out.length === 0) return null;
  if (last < value.length) out.push({ type: 'text', value: value.slice(last) });
  return out;
}

export function remarkCitations(options: CitationOptions) {
  return (tree: Root) => {
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || node.data?.hName) return;
      const parts = splitMarkers(node.value, options.known);
      if (!parts) return;
      (parent.children as PhrasingContent[]).splice(index, 1, ...parts);
      return [SKIP, index + parts.length];
    });
  };
}
