// POST /api/chat/stream and dispatch its named SSE events. A stream that ends without
// `done` or `error` is reported as 'cut' so the caller can mark the answer incomplete.
import type { ApiClient } from '../api/client';
import { readSse } from '../api/sse';
import type {
  ChatRequest,
  Citation,
  ConversationEvent,
  DoneEvent,
  StatusEvent,
  StreamErrorEvent,
  TokenEvent,
  ToolEvent,
} from '../api/types';

export interface ChatStreamHandlers {
  onConversation: (e: ConversationEvent) => void;
  onStatus: (e: StatusEvent) => void;
  onTool: (e: ToolEvent) => void;
  onToken: (e: TokenEvent) => void;
  onCitation: (e: Citation) => void;
  onDone: (e: DoneEvent) => void;
  onError: (e: StreamErrorEvent) => void;
}

export type StreamOutcome = 'done' | 'error' | 'cut';

export async function streamChat(
  api: ApiClient,
  body: ChatRequest,
  signal: AbortSignal,
  h: ChatStreamHandlers,
): Promise<StreamOutcome> {
  const res = await api.send('POST', '/api/chat/stream', { body, signal });
  let outcome: StreamOutcome = 'cut';
  await readSse(res, ({ event, data }) => {
    if (outcome !== 'cut') return; // exactly one terminal event counts
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    switch (event) {
      case 'conversation':
        return h.onConversation(payload as ConversationEvent);
      case 'status':
        return h.onStatus(payload as StatusEvent);
      case 'tool':
        return h.onTool(payload as ToolEvent);
      case 'token':
        return h.onToken(payload as TokenEvent);
      case 'citation':
        return h.onCitation(payload as Citation);
      case 'done':
        outcome = 'done';
        return h.onDone(payload as DoneEvent);
      case 'error':
        outcome = 'error';
        return h.onError(payload as StreamErrorEvent);
    }
  });
  return outcome;
}
