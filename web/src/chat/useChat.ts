// The chat session: sends questions, streams answers into state (batched per animation frame),
// stops on request, and marks any answer whose stream failed or was cut as incomplete.
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { useApi } from '../api/ApiContext';
import { errorMessage, isAbortError } from '../api/errors';
import type { ChatFilters, ConversationDetail } from '../api/types';
import { chatReducer, initialChatState } from './chatReducer';
import { streamChat } from './streamChat';
import type { ChatMessage } from './types';
import { useRafBatcher } from './useRafBatcher';

function newMessage(role: ChatMessage['role'], content: string): ChatMessage {
  return {
    id: crypto.randomUUID(),
    role,
    content,
    citations: [],
    steps: [],
    state: role === 'user' ? 'complete' : 'streaming',
  };
}

export interface UseChat {
  conversationId: string | null;
  messages: ChatMessage[];
  streaming: boolean;
  send: (text: string, filters: ChatFilters | null) => Promise<void>;
  stop: () => void;
  load: (detail: ConversationDetail) => void;
  reset: () => void;
}

export interface UseChatOptions {
  /** The server named the conversation (first event of a new one). */
  onConversation?: (conversationId: string) => void;
  /** A stream ended, in any way. */
  onFinished?: (conversationId: string | null) => void;
}

export function useChat(options: UseChatOptions = {}): UseChat {
  const api = useApi();
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const controller = useRef<AbortController | null>(null);
  const targetId = useRef<string | null>(null);
  // Latest callbacks in a ref: `send` stays stable and never calls a stale one.
  const optionsRef = useRef(options);
  useEffect(() => {
    optionsRef.current = options;
  });

  const onTokens = useCallback((text: string) => {
    if (targetId.current) dispatch({ type: 'tokens', id: targetId.current, text });
  }, []);
  const batcher = useRafBatcher(onTokens);

  const stop = useCallback(() => controller.current?.abort(), []);

  // Leaving the page aborts the request; the server keeps what it had.
  useEffect(() => () => controller.current?.abort(), []);

  const send = useCallback(
    async (text: string, filters: ChatFilters | null) => {
      const question = text.trim();
      if (!question || controller.current) return;
      const user = newMessage('user', question);
      const assistant = newMessage('assistant', '');
      const id = assistant.id;
      const ctrl = new AbortController();
      controller.current = ctrl;
      targetId.current = id;
      dispatch({ type: 'start', user, assistant });
      let conversationId = state.conversationId;
      let stepNo = 0;
      const step = (kind: 'status' | 'tool', label: string) =>
        dispatch({ type: 'step', id, step: { id: `${id}-${stepNo++}`, kind, label } });
      try {
        const outcome = await streamChat(
          api,
          { message: question, conversation_id: state.conversationId, filters },
          ctrl.signal,
          {
            onConversation: (e) => {
              conversationId = e.conversation_id;
              dispatch({ type: 'conversation', conversationId: e.conversation_id, messageId: e.message_id });
              optionsRef.current.onConversation?.(e.conversation_id);
            },
            onStatus: (e) => step('status', e.message || e.stage),
            onTool: (e) => step('tool', `${e.name}(${JSON.stringify(e.input)})`),
            onToken: (e) => batcher.push(e.text),
            onCitation: (c) => {
              batcher.flush();
              dispatch({ type: 'citation', id, citation: c });
            },
            onDone: (d) => {
              batcher.flush();
              dispatch({ type: 'done', id, done: d });
            },
            onError: (e) => {
              batcher.flush();
              dispatch({ type: 'fail', id, error: e });
            },
          },
        );
        if (outcome === 'cut') {
          batcher.flush();
          dispatch({
            type: 'fail',
            id,
            error: { code: 'stream_cut', message: 'The connection closed before the answer finished.' },
          });
        }
      } catch (err) {
        batcher.flush();
        const error = isAbortError(err)
          ? { code: 'stopped', message: 'Stopped before the answer finished.' }
          : { code: 'network', message: errorMessage(err) };
        dispatch({ type: 'fail', id, error });
      } finally {
        controller.current = null;
        optionsRef.current.onFinished?.(conversationId);
      }
    },
    [api, batcher, state.conversationId],
  );

  const load = useCallback((detail: ConversationDetail) => {
    controller.current?.abort();
    dispatch({ type: 'load', detail });
  }, []);

  const reset = useCallback(() => {
    controller.current?.abort();
    dispatch({ type: 'reset' });
  }, []);

  return {
    conversationId: state.conversationId,
    messages: state.messages,
    streaming: state.streamingId !== null,
    send,
    stop,
    load,
    reset,
  };
}
