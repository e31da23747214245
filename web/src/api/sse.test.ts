import { describe, expect, it } from 'vitest';
import { createSseParser, readSse } from './sse';
import type { SseMessage } from './sse';

function parseAll(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const p = createSseParser((m) => out.push(m));
  chunks.forEach((c) => p.feed(c));
  p.end();
  return out;
}

describe('createSseParser', () => {
  const stream = 'event: token\ndata: {"text":"a"}\n\n: heartbeat\n\nevent: done\ndata: {}\n\n';

  it('parses named events and ignores comments', () => {
    expect(parseAll([stream])).toEqual([
      { event: 'token', data: '{"text":"a"}' },
      { event: 'done', data: '{}' },
    ]);
  });

  it('gives the same events however the bytes are split', () => {
    const whole = parseAll([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseAll([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    }
    expect(parseAll(stream.split(''))).toEqual(whole);
  });

  it('handles CRLF and CR line endings, split between \\r and \\n', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    expect(parseAll([crlf])).toEqual(parseAll([stream]));
    const at = crlf.indexOf('\r\n');
    expect(parseAll([crlf.slice(0, at + 1), crlf.slice(at + 1)])).toEqual(parseAll([stream]));
    expect(parseAll([stream.replace(/\n/g, '\r')])).toEqual(parseAll([stream]));
  });

  it('joins multi-line data and defaults the event name to message', () => {
    expect(parseAll(['data: one\ndata: two\n\n'])).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('drops an event that never got its closing blank line (a cut stream)', () => {
    expect(parseAll(['event: done\ndata: {}'])).toEqual([]);
  });
});

describe('readSse', () => {
  it('reads a response body to its end', async () => {
    const body = new Response('event: a\ndata: 1\n\nevent: b\ndata: 2\n\n');
    const got: SseMessage[] = [];
    await readSse(body, (m) => got.push(m));
    expect(got.map((m) => m.event)).toEqual(['a', 'b']);
  });
});
