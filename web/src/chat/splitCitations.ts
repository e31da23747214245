// Splits answer text into plain text and [n] citation markers ([1], [2][3], [1, 2]).
export type AnswerPart = { kind: 'text'; text: string; key: string } | { kind: 'cite'; number: number; key: string };

const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

export function splitCitations(text: string, known: ReadonlySet<number>): AnswerPart[] {
  const parts: AnswerPart[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const numbers = (match[1] ?? '').split(',').map((n) => Number(n.trim()));
    // Markers that point at no citation stay as text (the server removes them; this is a guard).
    if (!numbers.every((n) => known.has(n))) continue;
    const at = match.index ?? 0;
    if (at > last) parts.push({ kind: 'text', text: text.slice(last, at), key: `t${last}` });
    numbers.forEach((n, i) => parts.push({ kind: 'cite', number: n, key: `c${at}-${i}` }));
    last = at + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last), key: `t${last}` });
  return parts;
}
