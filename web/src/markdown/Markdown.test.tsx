import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import Markdown from './MarkdownView';
import { QUOTE_END, QUOTE_START } from './rehypeQuoteMarks';
import { splitMarkers } from './remarkCitations';

const chip = (n: number) => (
  <button type="button" data-chip={n}>
    {n}
  </button>
);

describe('Markdown', () => {
  it('renders GFM tables, lists and highlighted code', () => {
    const text = [
      '**DAU** counts users:',
      '',
      '- one core action',
      '- in a UTC day',
      '',
      '| metric | target |',
      '|---|---|',
      '| dau | 1200 |',
      '',
      '```sql',
      'SELECT count(*) FROM events;',
      '```',
    ].join('\n');
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('strong')?.textContent).toBe('DAU');
    expect(container.querySelectorAll('li')).toHaveLength(2);
    expect(container.querySelector('table td')?.textContent).toBe('dau');
    expect(container.querySelector('pre code.language-sql .hljs-keyword')?.textContent).toBe('SELECT');
    expect(container.querySelector('.code-block button')?.textContent).toBe('Copy');
  });

  it('turns known [n] markers into chips anywhere but in code', () => {
    const text = 'Counted daily [1].\n\n| a | b |\n|---|---|\n| x [2] | y |\n\n`not [1] here` and [9] unknown';
    const { container } = render(<Markdown text={text} citations={new Set([1, 2])} renderCitation={chip} />);
    expect([...container.querySelectorAll('[data-chip]')].map((e) => e.getAttribute('data-chip'))).toEqual(['1', '2']);
    expect(container.querySelector('code')?.textContent).toBe('not [1] here');
    expect(container.textContent).toContain('[9] unknown');
  });

  it('renders raw HTML and script URLs inert', () => {
    const text = '<script>window.pwned = 1</script> <img src=x onerror="window.pwned=2">\n\n[click](javascript:alert(1)) [data](data:text/html,hi) [ok](https://example.com/a)';
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    const hrefs = [...container.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
    expect(hrefs.some((h) => /^\s*(javascript|data):/i.test(h))).toBe(false);
    const ok = container.querySelector('a[href="https://example.com/a"]');
    expect(ok?.getAttribute('rel')).toContain('noopener');
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it('marks a quoted span even across elements', () => {
    const marked = `Intro **${QUOTE_START}bold part** and tail${QUOTE_END}.`;
    const { container } = render(<Markdown text={marked} quoteMarks />);
    const marks = [...container.querySelectorAll('mark.quote')].map((m) => m.textContent);
    expect(marks.join('')).toBe('bold part and tail');
    expect(container.textContent).not.toContain(QUOTE_START);
  });

  it('splits only markers whose numbers are all known', () => {
    expect(splitMarkers('a [1, 2] b', new Set([1, 2]))).toHaveLength(4);
    expect(splitMarkers('a [1, 3] b', new Set([1, 2]))).toBeNull();
  });
});
