// All chat state changes in one pure reducer, so they are testable without React or a network.
import type { Citation, ConversationDetail, DoneEvent, StreamErrorEvent } from '../api/types';
import type { ChatMessage, Step } from './types';

export interface ChatState {
  conversationId: string | null;
  messages: ChatMessage[];
  streamingId: string | null;
}

export const initialChatState: ChatState = { conversationId: null, messages: [], streamingId: null };

export type ChatAction =
  | { type: 'start'; user: ChatMessage; assistant: ChatMessage }
  | { type: 'conversation'; conversationId: string; messageId?: string }
  | { type: 'tokens'; id: string; text: string }
  | { type: 'step'; id: string; step: Step }
  | { type: 'citation'; id: string; citation: Citation }
  | { type: 'done'; id: string; done: DoneEvent }
  | { type: 'fail'; id: string; error: StreamErrorEvent }
  | { type: 'load'; detail: ConversationDetail }
  | { type: 'reset' };

function update(state: ChatState, id: string, fn: (m: ChatMessage) => ChatMessage): ChatMessage[] {
  return state.messages.map((m) => (m.id === id ? fn(m) : m));
}

export function fromStored(detail: ConversationDetail): ChatMessage[] {
  return detail.messages.map((m) => ({
    id: m.id,
    serverId: m.id,
    role: m.role === 'user' ? 'user' : 'assistant',
    content: m.content,
    citations: m.citations,
    steps: [],
    state: m.status === 'incomplete' ? 'incomplete' : 'complete',
    error: m.status === 'incomplete' ? { code: m.error_code ?? 'incomplete', message: 'This answer did not finish.' } : undefined,
    provider: m.provider,
  }));
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'start':
      return {
        ...state,
        messages: [...state.messages, action.user, action.assistant],
        streamingId: action.assistant.id,
      };
    case 'conversation':
      return {
        ...state,
        conversationId: action.conversationId,
        messages: state.streamingId
          ? update(state, state.streamingId, (m) => ({ ...m, serverId: action.messageId ?? m.serverId }))
          : state.messages,
      };
    case 'tokens':
      if (!action.text) return state;
      return { ...state, messages: update(state, action.id, (m) => ({ ...m, content: m.content + action.text })) };
    case 'step':
      return { ...state, messages: update(state, action.id, (m) => ({ ...m, steps: [...m.steps, action.step] })) };
    case 'citation':
      return {
        ...state,
        messages: update(state, action.id, (m) =>
          m.citations.some((c) => c.number === action.citation.number)
            ? m
            : { ...m, citations: [...m.citations, action.citation] },
        ),
      };
    case 'done':
      return {
        ...state,
        streamingId: state.streamingId === action.id ? null : state.streamingId,
        messages: update(state, action.id, (m) => ({
          ...m,
          state: 'complete',
          provider: action.done.provider,
          model: action.done.model ?? null,
          usage: action.done.usage,
          latencyMs: action.done.latency_ms,
        })),
      };
    case 'fail':
      return {
        ...state,
        streamingId: state.streamingId === action.id ? null : state.streamingId,
        messages: update(state, action.id, (m) => ({ ...m, state: 'incomplete', error: action.error })),
      };
    case 'load':
      return { conversationId: action.detail.id, messages: fromStored(action.detail), streamingId: null };
    case 'reset':
      return initialChatState;
  }
}
