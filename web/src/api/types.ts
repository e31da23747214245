// Types for the API: the generated ones (schema.d.ts, from the server's OpenAPI document) under short names.
import type { components } from './schema';

type S = components['schemas'];

export type SearchHit = S['SearchHitOut'];
export type SearchResponse = S['SearchResponse'];
export type Citation = S['CitationOut'];
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

// --- sources (generated) ---
export type Source = S['SourceOut'];
export type SourcePage = S['SourcePage'];
export type SourcePatch = S['SourcePatch'];
export type SourceCreate =
  | S['GitSourceIn']
  | S['GitHubSourceIn']
  | S['DriveSourceIn']
  | S['WebsiteSourceIn']
  | S['FolderSourceIn'];
export type SourceKind = SourceCreate['type'];

export const SOURCE_TYPES: readonly SourceType[] = ['folder', 'upload', 'git', 'github', 'google_drive', 'website'];

// --- chat stream events: the `data` of each named SSE event (generated from ChatStreamEvent) ---
export type ChatStreamEvent = S['ChatStreamEvent'];
export type ConversationEvent = S['ConversationStarted'];
export type StatusEvent = S['StatusData'];
export type ToolEvent = S['ToolData'];
export type TokenEvent = S['TokenData'];
export type Usage = S['UsageOut'];
export type DoneEvent = S['DoneData'];
export type Grounding = S['GroundingOut'];
export type Alternative = S['AlternativeOut'];
export type StreamErrorEvent = S['ErrorData'];

// --- auth, projects, admin (generated) ---
export type Role = S['ProjectRoleOut']['role'];
export type Project = S['ProjectRoleOut'];
export type ProjectList = S['ProjectRoleList'];
export type Me = S['MeOut'];
export type LoginResponse = S['TokenOut'];
export type Providers = S['ProvidersOut'];
export type SignedIn = S['SignedInOut'];
export type ApiKey = S['ApiKeyOut'];
export type ApiKeyCreated = S['ApiKeyCreated'];
export type ApiKeyList = S['ApiKeyList'];
export type AdminUser = S['UserOut'];
export type UserPage = S['UserPage'];
export type AdminProject = S['ProjectOut'];
export type AdminProjectList = S['ProjectList'];
export type Member = S['MemberOut'];
export type MemberList = S['MemberList'];
