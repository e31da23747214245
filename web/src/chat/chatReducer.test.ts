import { describe, expect, it } from 'vitest';
import type { Citation } from '../api/types';
import { chatReducer, initialChatState } from './chatReducer';
import type { ChatMessage } from './types';

const msg = (id: string, role: ChatMessage['role']): ChatMessage => ({
  id,
  role,
  content: role === 'user' ? 'q' : '',
  citations: [],
  steps: [],
  state: role === 'user' ? 'complete' : 'streaming',
});

const citation = (n: number): Citation => ({
  number: n,
  segment_id: `s${n}`,
  document_id: 'd',
  title: 't',
  section_path: '',
  page: null,
  uri: null,
  quote: 'q',
  quote_start: 0,
  quote_end: 1,
});

const USAGE = {
  input_tokens: 0,
  output_tokens: 0,
  steps: 1,
  tool_calls: 0,
  citations: 0,
  invalid_citations: 0,
  step_limit_reached: false,
};

describe('chatReducer', () => {
  const started = chatReducer(initialChatState, { type: 'start', user: msg('u1', 'user'), assistant: msg('a1', 'assistant') });

  it('appends tokens to the streaming message without changing any id', () => {
    let s = chatReducer(started, { type: 'tokens', id: 'a1', text: 'Hel' });
    s = chatReducer(s, { type: 'tokens', id: 'a1', text: 'lo' });
    expect(s.messages.map((m) => m.id)).toEqual(['u1', 'a1']);
    expect(s.messages[1]?.content).toBe('Hello');
    expect(s.messages[0]).toBe(started.messages[0]); // untouched messages keep their identity
  });

  it('keeps the grounding verdict of a finished answer, live and when loaded from the server', () => {
    const grounding = {
      reason: 'no_citations' as const,
      action: 'flagged' as const,
      alternative: { text: 'Quoted [1].', citations: [citation(1)] },
    };
    const done = chatReducer(started, {
      type: 'done',
      id: 'a1',
      done: { usage: USAGE, latency_ms: 5, provider: 'openai', model: 'm', grounded: false, grounding },
    });
    expect(done.messages[1]?.grounded).toBe(false);
    expect(done.messages[1]?.grounding?.alternative?.text).toBe('Quoted [1].');
    const loaded = chatReducer(initialChatState, {
      type: 'load',
      detail: {
        id: 'c1',
        title: 't',
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
        messages: [
          {
            id: 'm1',
            role: 'assistant',
            content: 'Invented.',
            citations: [],
            status: 'complete',
            provider: 'openai',
            error_code: null,
            created_at: '2026-01-01T00:00:00Z',
            grounded: false,
            grounding,
          },
        ],
      },
    });
    expect(loaded.messages[0]?.grounded).toBe(false);
    expect(loaded.messages[0]?.grounding).toEqual(grounding);
  });

  it('keeps citations unique by number', () => {
    let s = chatReducer(started, { type: 'citation', id: 'a1', citation: citation(1) });
    s = chatReducer(s, { type: 'citation', id: 'a1', citation: citation(1) });
    s = chatReducer(s, { type: 'citation', id: 'a1', citation: citation(2) });
    expect(s.messages[1]?.citations.map((c) => c.number)).toEqual([1, 2]);
  });

  it('done completes the message with its provider; fail marks it incomplete with the error', () => {
    const done = chatReducer(started, { type: 'done', id: 'a1', done: { usage: USAGE, latency_ms: 3, provider: 'extractive', model: null, grounded: true, grounding: { reason: null, action: 'shown' } } });
    expect(done.messages[1]).toMatchObject({ state: 'complete', provider: 'extractive' });
    expect(done.streamingId).toBeNull();
    const failed = chatReducer(started, { type: 'fail', id: 'a1', error: { code: 'llm_error', message: 'boom' } });
    expect(failed.messages[1]).toMatchObject({ state: 'incomplete', error: { code: 'llm_error' } });
    expect(failed.streamingId).toBeNull();
  });

  it('load replaces the conversation with stored messages, incomplete ones marked', () => {
    const s = chatReducer(started, {
      type: 'load',
      detail: {
        id: 'c1',
        title: 't',
        created_at: '',
        updated_at: '',
        messages: [
          { id: 'm1', role: 'user', content: 'q', citations: [], status: 'complete', provider: null, error_code: null, created_at: '' },
          { id: 'm2', role: 'assistant', content: 'part', citations: [], status: 'incomplete', provider: 'openai', error_code: 'llm_error', created_at: '' },
        ],
      },
    });
    expect(s.conversationId).toBe('c1');
    expect(s.messages.map((m) => [m.id, m.state])).toEqual([
      ['m1', 'complete'],
      ['m2', 'incomplete'],
    ]);
    expect(s.messages[1]?.error?.code).toBe('llm_error');
  });
});
