import { describe, expect, it } from 'vitest';
import { takeHandoff } from './ssoHandoff';

function history() {
  const replaced: string[] = [];
  return { replaced, replaceState: (_: unknown, __: string, url?: string | URL | null) => void replaced.push(String(url)) };
}

const CODE = 'a'.repeat(43);

describe('takeHandoff', () => {
  it('reads the code from the fragment of /sso and wipes it from the address bar', () => {
    const h = history();
    expect(takeHandoff({ pathname: '/sso', hash: `#code=${CODE}` }, h)).toBe(CODE);
    expect(h.replaced).toEqual(['/']);
  });

  it('leaves every other page alone', () => {
    const h = history();
    expect(takeHandoff({ pathname: '/documents', hash: `#code=${CODE}` }, h)).toBeNull();
    expect(h.replaced).toEqual([]);
  });

  it('ignores a malformed code but still wipes it', () => {
    for (const hash of ['', '#code=', '#code=short', `#code=${CODE}<script>`, '#other=1']) {
      const h = history();
      expect(takeHandoff({ pathname: '/sso', hash }, h)).toBeNull();
      expect(h.replaced).toEqual(['/']);
    }
  });
});
