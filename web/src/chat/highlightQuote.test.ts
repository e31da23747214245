import { describe, expect, it } from 'vitest';
import { highlightQuote } from './highlightQuote';

const content = 'Intro line. A user is active when they open the app. More text.';

describe('highlightQuote', () => {
  it('uses the offsets when they match the quote', () => {
    const quote = 'A user is active when they open the app.';
    const start = content.indexOf(quote);
    expect(highlightQuote(content, quote, start, start + quote.length)).toEqual({
      before: 'Intro line. ',
      quote,
      after: ' More text.',
    });
  });

  it('falls back to searching when offsets are off', () => {
    expect(highlightQuote(content, 'More text.', 0, 3)?.before).toBe('Intro line. A user is active when they open the app. ');
  });

  it('tolerates folded whitespace', () => {
    expect(highlightQuote('a user\n is   active', 'user is active')?.quote).toBe('user\n is   active');
  });

  it('returns null when the quote is absent or empty', () => {
    expect(highlightQuote(content, 'nowhere to be seen')).toBeNull();
    expect(highlightQuote(content, '')).toBeNull();
  });

  it('treats regex characters in the quote literally', () => {
    expect(highlightQuote('cost (USD) is $5.', 'x (USD) $5')).toBeNull();
    expect(highlightQuote('cost (USD) is $5.', '(USD) is $5.')?.before).toBe('cost ');
  });
});
