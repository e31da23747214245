import { describe, expect, it } from 'vitest';
import { splitCitations } from './splitCitations';

describe('splitCitations', () => {
  const known = new Set([1, 2, 3]);

  it('turns [n] markers into citation parts between text parts', () => {
    const parts = splitCitations('DAU counts users [1]. Weekly is different [2][3].', known);
    expect(parts.map((p) => (p.kind === 'cite' ? p.number : p.text))).toEqual([
      'DAU counts users ',
      1,
      '. Weekly is different ',
      2,
      3,
      '.',
    ]);
  });

  it('expands [1, 2] and gives every part a unique key', () => {
    const parts = splitCitations('A [1, 2] and [1].', known);
    expect(parts.filter((p) => p.kind === 'cite').map((p) => (p.kind === 'cite' ? p.number : 0))).toEqual([1, 2, 1]);
    expect(new Set(parts.map((p) => p.key)).size).toBe(parts.length);
  });

  it('leaves markers without a citation as text (e.g. mid-stream or arrays like [0])', () => {
    expect(splitCitations('x[0] y [9]', known)).toEqual([{ kind: 'text', text: 'x[0] y [9]', key: 't0' }]);
  });

  it('returns nothing for empty text', () => {
    expect(splitCitations('', known)).toEqual([]);
  });
});
