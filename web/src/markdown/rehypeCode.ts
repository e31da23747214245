// A rehype plugin: code blocks whose language is named (```sql) are highlighted with lowlight and the
// grammars a knowledge base's answers use most; other code stays plain. A small, fixed set keeps the
// bundle small (highlight.js's "common" set alone is 300 kB).
import type { Element, ElementContent, Root } from 'hast';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { createLowlight } from 'lowlight';
import { visit } from 'unist-util-visit';

const lowlight = createLowlight({ bash, css, go, java, javascript, json, python, sql, typescript, xml, yaml });
lowlight.registerAlias({ bash: ['sh', 'shell', 'zsh'], javascript: ['js', 'jsx'], typescript: ['ts', 'tsx'], xml: ['html'], yaml: ['yml'], python: ['py'] });

function language(node: Element): string | null {
  const classes = node.properties.className;
  if (!Array.isArray(classes)) return null;
  for (const c of classes) {
    if (typeof c === 'string' && c.startsWith('language-')) return c.slice('language-'.length);
  }
  return null;
}

function text(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(text).join('');
  return '';
}

export function rehypeCode() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element, _index, parent) => {
      if (node.tagName !== 'code' || !parent || (parent as Element).tagName !== 'pre') return;
      const lang = language(node);
      if (!lang || !lowlight.registered(lang)) return;
      const result = lowlight.highlight(lang, node.children.map(text).join(''));
      node.children = result.children as ElementContent[];
      node.properties.className = [...(node.properties.className as string[]), 'hljs'];
    });
  };
}
