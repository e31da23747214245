import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeFetch, sseEvent, sseResponse } from '../test/fakeFetch';
import { apiWrapper } from '../test/renderWithApi';
import { useChat } from './useChat';

const cite = {
  number: 1,
  segment_id: 'seg-1',
  document_id: 'doc-1',
  title: 'DAU',
  section_path: 'Metrics > DAU',
  page: null,
  uri: 'metrics/dau.md',
  quote: 'A user is active',
  quote_start: 0,
  quote_end: 16,
};
const done = { usage: { steps: 1 }, latency_ms: 5, provider: 'extractive', model: null };

function setup(stream: (n: number, signal: AbortSignal | null) => Response) {
  let n = 0;
  const fake = fakeFetch({
    'POST /api/chat/stream': ({ init }) => stream(n++, init.signal ?? null),
  });
  const hook = renderHook(() => useChat(), { wrapper: apiWrapper(fake.fetch) });
  return { fake, hook };
}

describe('useChat', () => {
  it('streams tokens into one assistant message with a stable id, then completes with citations', async () => {
    const { hook } = setup(() =>
      sseResponse([
        sseEvent('conversation', { conversation_id: 'c1', message_id: 'm1' }),
        sseEvent('status', { stage: 'searching', message: 'Searching' }),
        sseEvent('token', { text: 'Users are ' }),
        sseEvent('token', { text: 'active [1].' }),
        ': heartbeat\n\n',
        sseEvent('citation', cite),
        sseEvent('done', done),
      ]),
    );
    await act(() => hook.result.current.send('How do we count DAU?', null));
    const { messages, conversationId, streaming } = hook.result.current;
    expect(streaming).toBe(false);
    expect(conversationId).toBe('c1');
    expect(messages).toHaveLength(2);
    const answer = messages[1];
    expect(answer).toMatchObject({ role: 'assistant', content: 'Users are active [1].', state: 'complete', provider: 'extractive' });
    expect(answer?.citations.map((c) => c.number)).toEqual([1]);
    expect(answer?.steps.map((s) => s.label)).toEqual(['Searching']);
    expect(answer?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(messages[0]?.id).not.toBe(answer?.id);
  });

  it('marks an answer incomplete on an error event, and the next question works', async () => {
    const { hook, fake } = setup((n) =>
      n === 0
        ? sseResponse([
            sseEvent('conversation', { conversation_id: 'c1' }),
            sseEvent('token', { text: 'Partial' }),
            sseEvent('error', { code: 'llm_error', message: 'The model stopped answering.' }),
          ])
        : sseResponse([sseEvent('token', { text: 'Fine.' }), sseEvent('done', done)]),
    );
    await act(() => hook.result.current.send('first', null));
    expect(hook.result.current.messages[1]).toMatchObject({
      content: 'Partial',
      state: 'incomplete',
      error: { code: 'llm_error', message: 'The model stopped answering.' },
    });
    await act(() => hook.result.current.send('second', null));
    expect(hook.result.current.messages.map((m) => m.state)).toEqual(['complete', 'incomplete', 'complete', 'complete']);
    // The follow-up carried the conversation id from the first stream (no stale closure).
    expect(fake.calls[1]?.body).toMatchObject({ message: 'second', conversation_id: 'c1' });
  });

  it('marks a stream that ends without done or error as incomplete (cut)', async () => {
    const { hook } = setup(() => sseResponse([sseEvent('token', { text: 'Half an ans' })]));
    await act(() => hook.result.current.send('q', null));
    expect(hook.result.current.messages[1]).toMatchObject({ state: 'incomplete', error: { code: 'stream_cut' } });
    expect(hook.result.current.messages[1]?.content).toBe('Half an ans');
  });

  it('ignores anything after the terminal event', async () => {
    const { hook } = setup(() =>
      sseResponse([sseEvent('done', done), sseEvent('token', { text: 'late' }), sseEvent('error', { code: 'x', message: 'y' })]),
    );
    await act(() => hook.result.current.send('q', null));
    expect(hook.result.current.messages[1]).toMatchObject({ state: 'complete', content: '' });
  });

  it('stop aborts the request and keeps the partial answer, marked incomplete', async () => {
    const { hook } = setup((_n, signal) => sseResponse([sseEvent('token', { text: 'Partial' })], { hold: true, signal }));
    let sending: Promise<void> = Promise.resolve();
    act(() => {
      sending = hook.result.current.send('q', null);
    });
    await waitFor(() => expect(hook.result.current.messages[1]?.content).toBe('Partial'));
    expect(hook.result.current.streaming).toBe(true);
    act(() => hook.result.current.stop());
    await act(() => sending);
    expect(hook.result.current.messages[1]).toMatchObject({ state: 'incomplete', error: { code: 'stopped' } });
    expect(hook.result.current.streaming).toBe(false);
  });

  it('reports an HTTP error before the stream as an incomplete answer with the server message', async () => {
    const { hook } = setup(
      () =>
        new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many questions' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    await act(() => hook.result.current.send('q', null));
    expect(hook.result.current.messages[1]).toMatchObject({ state: 'incomplete', error: { message: 'Too many questions' } });
  });

  it('sends filters and ignores blank questions', async () => {
    const { hook, fake } = setup(() => sseResponse([sseEvent('done', done)]));
    await act(() => hook.result.current.send('   ', null));
    expect(fake.calls).toHaveLength(0);
    await act(() => hook.result.current.send('q', { projects: ['default'], source_types: ['upload'] }));
    expect(fake.calls[0]?.body).toMatchObject({ filters: { projects: ['default'], source_types: ['upload'] } });
  });
});
