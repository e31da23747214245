// Finds the quoted span inside a segment's text: the given offsets when they match the quote,
// else the first occurrence of the quote, else nothing (the whole passage is still highlighted).
export interface QuoteSplit {
  before: string;
  quote: string;
  after: string;
}

export function highlightQuote(content: string, quote: string, start?: number, end?: number): QuoteSplit | null {
  if (!quote) return null;
  if (start !== undefined && end !== undefined && start >= 0 && end <= content.length && start < end) {
    if (content.slice(start, end) === quote) {
      return { before: content.slice(0, start), quote, after: content.slice(end) };
    }
  }
  let at = content.indexOf(quote);
  let len = quote.length;
  if (at === -1) {
    // Tolerate whitespace differences (line breaks folded by the answerer).
    const pattern = quote
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+');
    const m = pattern ? new RegExp(pattern).exec(content) : null;
    if (!m) return null;
    at = m.index;
    len = m[0].length;
  }
  return { before: content.slice(0, at), quote: content.slice(at, at + len), after: content.slice(at + len) };
}
