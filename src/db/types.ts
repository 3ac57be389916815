import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Epoch milliseconds. Timestamps are integers in both databases: compact, and compared without time zone surprises. */
export type Millis = number;
/** Where an object came from: `config` objects are owned by upkeep.yaml and changed by `upkeep apply`. */
export type ManagedBy = 'config' | 'api';

export interface SitesTable {
  id: Generated<number>;
  name: string;
  /** The site's fields as JSON (url, description, tags, notify, runbook). */
  spec: string;
  env_refs: string | null;
  managed_by: ManagedBy;
  created_at: Millis;
  updated_at: Millis;
}

export interface SiteTagsTable {
  site_id: number;
  tag: string;
}

export interface MonitorsTable {
  id: Generated<number>;
  site_id: number;
  name: string;
  type: string;
  /** 0 or 1: integers rather than booleans so both databases read them alike. */
  paused: number;
  /** The check interval, null for heartbeats, which Upkeep does not run itself. */
  interval_ms: number | null;
  /** Everything else the monitor was defined with, as JSON, secrets taken out. */
  spec: string;
  /** The secret fields, sealed with the instance key (see lib/secrets.ts). */
  secrets: string | null;
  env_refs: string | null;
  managed_by: ManagedBy;
  created_at: Millis;
  updated_at: Millis;
}

export interface MonitorTagsTable {
  monitor_id: number;
  tag: string;
}

export interface ChannelsTable {
  id: Generated<number>;
  name: string;
  type: string;
  spec: string;
  secrets: string | null;
  env_refs: string | null;
  managed_by: ManagedBy;
  created_at: Millis;
  updated_at: Millis;
}

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  role: Role;
  created_at: Millis;
  updated_at: Millis;
}

export type TokenScope = 'read' | 'write';

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number | null;
  name: string;
  /** The first characters of the token, shown in lists so people can tell tokens apart. */
  prefix: string;
  /** SHA-256 of the token: tokens are long random strings, so a fast hash is enough and the token itself is never stored. */
  token_hash: string;
  scope: TokenScope;
  created_at: Millis;
  last_used_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  expires_at: Millis | null;
  revoked_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

// --- audits (src/audits) ---

export interface AuditsTable {
  id: Generated<number>;
  site_id: number | null;
  url: string;
  /** The categories this run covered, comma-separated: schedules differ per category. */
  categories: string;
  /** running, done (every category ran), partial (some failed), failed. */
  status: string;
  started_at: Millis;
  finished_at: Millis | null;
  /** JSON objects: scores and grades by name, facts kept for comparison, errors by category. */
  scores: string;
  grades: string;
  facts: string;
  errors: string;
}

export interface AuditFindingsTable {
  id: Generated<number>;
  audit_id: number;
  /** The finding's stable id, e.g. "security.exposed-file:/.env". */
  finding_id: string;
  category: string;
  severity: string;
  title: string;
  evidence: string;
  fix: string;
}

export interface AuditArtifactsTable {
  id: Generated<number>;
  audit_id: number;
  name: string;
  content_type: string;
  /** Text, or base64 for binary content. */
  content: string;
}

// --- end of audits ---

export interface Database {
  audits: AuditsTable;
  audit_findings: AuditFindingsTable;
  audit_artifacts: AuditArtifactsTable;
  sites: SitesTable;
  site_tags: SiteTagsTable;
  monitors: MonitorsTable;
  monitor_tags: MonitorTagsTable;
  channels: ChannelsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
}

export type SiteRow = Selectable<SitesTable>;
export type MonitorRow = Selectable<MonitorsTable>;
export type ChannelRow = Selectable<ChannelsTable>;
export type UserRow = Selectable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewMonitorRow = Insertable<MonitorsTable>;
export type MonitorUpdate = Updateable<MonitorsTable>;
