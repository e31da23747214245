import type { Citation, StreamErrorEvent, Usage } from '../api/types';

export type MessageState = 'streaming' | 'complete' | 'incomplete';

export interface Step {
  id: string;
  kind: 'status' | 'tool';
  label: string;
}

export interface ChatMessage {
  /** Client-side stable id (crypto.randomUUID), the React key; never changes once created. */
  id: string;
  serverId?: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[];
  steps: Step[];
  state: MessageState;
  error?: StreamErrorEvent;
  provider?: string | null;
  model?: string | null;
  usage?: Usage;
  latencyMs?: number;
}
