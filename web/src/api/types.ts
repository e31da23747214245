// Types for the API: generated ones (schema.d.ts, from the server's OpenAPI) under short names,
// plus local types for routes not yet in the schema (auth, projects, admin) and for SSE payloads.
import type { components } from './schema';

type S = components['schemas'];

export type SearchHit = S['SearchHitOut'];
export type SearchResponse = S['SearchResponse'];
export type Citation = S['CitationOut'];
export type Grounding = S['GroundingOut'];
export type Alternative = S['AlternativeOut'];
export type ChatRequest = S['ChatRequest'];
export type ChatFilters = S['ChatFiltersIn'];
export type SourceType = NonNullable<ChatFilters['source_types']>[number];
export type Conversation = S['ConversationOut'];
export type ConversationPage = S['ConversationPage'];
export type ConversationDetail = S['ConversationDetail'];
export type StoredMessage = S['MessageOut'];
export type DocumentOut = S['DocumentOut'];
export type DocumentPage = S['DocumentPage'];
export type SegmentDetail = S['SegmentDetail'];
export type SegmentOut = S['SegmentOut'];
export type Task = S['TaskOut'];
export type TaskDetail = S['TaskDetail'];
export type TaskItem = S['TaskItemOut'];
export type TaskPage = S['TaskPage'];
export type Stats = S['StatsResponse'];
export type ComponentHealth = S['ComponentHealth'];
export type ErrorResponse = S['ErrorResponse'];

export const SOURCE_TYPES: readonly SourceType[] = ['folder', 'upload'];

// --- chat stream events (SSE payloads; the stream route has no response model) ---
export interface ConversationEvent {
  conversation_id: string;
  message_id?: string;
}
export interface StatusEvent {
  stage: string;
  message: string;
}
export interface ToolEvent {
  name: string;
  input: Record<string, unknown>;
}
export interface TokenEvent {
  text: string;
}
export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  steps?: number;
  tool_calls?: number;
  citations?: number;
  invalid_citations?: number;
}
export interface DoneEvent {
  usage: Usage;
  latency_ms: number;
  provider: string;
  model?: string | null;
  /** False: the answer is not backed by the passages it cites (see `grounding`). */
  grounded?: boolean;
  grounding?: Grounding;
}
export interface StreamErrorEvent {
  code: string;
  message: string;
}

// --- auth, projects, admin (generated) ---
export type Role = S['ProjectRoleOut']['role'];
export type Project = S['ProjectRoleOut'];
export type ProjectList = S['ProjectRoleList'];
export type Me = S['MeOut'];
export type LoginResponse = S['TokenOut'];
export type ApiKey = S['ApiKeyOut'];
export type ApiKeyCreated = S['ApiKeyCreated'];
export type ApiKeyList = S['ApiKeyList'];
export type AdminUser = S['UserOut'];
export type UserPage = S['UserPage'];
export type AdminProject = S['ProjectOut'];
export type AdminProjectList = S['ProjectList'];
export type Member = S['MemberOut'];
export type MemberList = S['MemberList'];
