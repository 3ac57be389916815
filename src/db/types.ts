import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Epoch milliseconds. Timestamps are integers in both databases: compact, and compared without time zone surprises. */
export type Millis = number;
/** Where an object came from: `config` objects are owned by upkeep.yaml and changed by `upkeep apply`. */
export type ManagedBy = 'config' | 'api';

/**
 * The columns of every stored object kind (lib/stored-object.ts reads and writes them): the
 * definition as JSON with secrets taken out (`spec`), the secret fields sealed with the instance key
 * (see lib/secrets.ts), the `${ENV}` references, and who owns it (file or API).
 */
export interface StoredObjectColumns {
  spec: string;
  secrets: string | null;
  env_refs: string | null;
  managed_by: ManagedBy;
  created_at: Millis;
  updated_at: Millis;
}

/** A site's `spec` holds its fields (url, description, tags, notify, runbook); a site has no secret fields. */
export interface SitesTable extends Omit<StoredObjectColumns, 'secrets'> {
  id: Generated<number>;
  name: string;
  /** The owner's email, copied from the spec for lookups (migration 0500). */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SiteTagsTable {
  site_id: number;
  tag: string;
}

export interface MonitorsTable extends StoredObjectColumns {
  id: Generated<number>;
  site_id: number;
  name: string;
  type: string;
  /** 0 or 1: integers rather than booleans so both databases read them alike. */
  paused: number;
  /** The check interval, null for heartbeats, which Upkeep does not run itself. */
  interval_ms: number | null;
  ping_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface MonitorTagsTable {
  monitor_id: number;
  tag: string;
}

export interface ChannelsTable extends StoredObjectColumns {
  id: Generated<number>;
  name: string;
  type: string;
}

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';
/** What an account reaches: every site ("instance") or only its teams' sites ("teams"; none without a team). */
export type AccountScope = 'instance' | 'teams';

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  /** The global role; with team memberships, owner and admin stay global and the rest is per team. */
  role: Role;
  /** Owners and admins always reach the whole instance, whatever this says. */
  scope: ColumnType<AccountScope, AccountScope | undefined, AccountScope>;
  created_at: Millis;
  updated_at: Millis;
  name: ColumnType<string | null, string | null | undefined, string | null>;
  /** Sealed TOTP secret; null while two-factor login is off. */
  totp_secret: ColumnType<string | null, string | null | undefined, string | null>;
  /** The last time step whose code was accepted: a code works once. */
  totp_last_step: ColumnType<number | null, number | null | undefined, number | null>;
  /** JSON list of SHA-256 hashes of unused recovery codes. */
  recovery_codes: ColumnType<string | null, string | null | undefined, string | null>;
  failed_logins: ColumnType<number | null, number | null | undefined, number | null>;
  locked_until: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  password_changed_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  disabled: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A single sign-on identity (the provider's issuer and subject) linked to an account. */
export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: number;
  created_at: Millis;
}

export interface SessionsTable {
  /** SHA-256 of the cookie's token. */
  id: string;
  user_id: number;
  csrf: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  ip: string | null;
  user_agent: string | null;
}

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  /** JSON: { tags: [...], sites: [...] } — the sites the team sees. */
  spec: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface MembershipsTable {
  user_id: number;
  team_id: number;
  role: Role;
}

export interface ActivityTable {
  id: Generated<number>;
  at: Millis;
  /** Who, as people read it: "alice@shop.test", "API token #3 (ci)", "upkeep apply". */
  actor: string;
  user_id: number | null;
  action: string;
  /** What it was done to: "site 3", "monitor 12", "user 2". */
  object: string | null;
  summary: string;
  ip: string | null;
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

/** 0 up, 1 degraded, 2 down: small integers, as these rows are the most numerous. */
export type ResultStatusCode = 0 | 1 | 2;

export interface CheckResultsTable {
  monitor_id: number;
  /** When the check started (ms); unique per monitor. */
  at: Millis;
  status: ResultStatusCode;
  duration_ms: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  ttfb_ms: number | null;
  transfer_ms: number | null;
  status_code: number | null;
  /** Null for an ordinary success: the message is then derived ("200 OK in 84 ms"). */
  message: string | null;
  /** JSON: bytes, final URL, certificate expiry, assertion outcomes, ping body… */
  detail: string | null;
}

/** One monitor's raw results of one hour, packed (see monitoring/check-blocks.ts); the hour still running stays in check_results. */
export interface CheckBlocksTable {
  monitor_id: number;
  /** The hour's start (ms). */
  start: Millis;
  /** How many results the block holds. */
  checks: number;
  data: Uint8Array;
}

export interface ResultRollupsTable {
  monitor_id: number;
  /** 60000 (minute), 3600000 (hour), 86400000 (day) or 2629746000 (calendar month, UTC). */
  bucket_ms: number;
  start: Millis;
  up: number;
  degraded: number;
  down: number;
  latency_count: number;
  latency_sum: number;
  latency_min: number | null;
  latency_max: number | null;
  /** Latency histogram in log buckets, "index:count,…" (see monitoring/sketch.ts). */
  sketch: string;
  phase_count: number;
  /** JSON array of summed phase timings: dns, connect, tls, ttfb, transfer. */
  phase_sums: string;
}

export interface RollupWatermarksTable {
  bucket_ms: number;
  /** Minutes (60000): results before this time are in every level's rows (the bucket holding it only partly). */
  done_until: Millis;
}

export interface MonitorStateTable {
  monitor_id: number;
  /** What is shown: health, or paused / maintenance over it. */
  status: string;
  /** What the checks say: pending, up, degraded or down. */
  health: string;
  since: Millis;
  /** How many of the latest outcomes in a row are the same as the last one. */
  streak: number;
  /** Recent outcomes, oldest first, one letter each (u up, g degraded, d down) — the window flapping is measured over. */
  history: string;
  flapping: number;
  slow: number;
  last_check_at: Millis | null;
  last_message: string | null;
  /** JSON for type-specific state (heartbeat: last ping, open runs). */
  extra: string | null;
  updated_at: Millis;
}

export interface MonitorEventsTable {
  id: Generated<number>;
  monitor_id: number;
  at: Millis;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  message: string;
  /** JSON: the results that caused the event. */
  evidence: string | null;
}

export interface IncidentsTable {
  id: Generated<number>;
  site_id: number;
  title: string;
  severity: string;
  status: string;
  /**
   * auto: opened by monitors; audit: by an audit's regressions; objective: by an objective's burn rate;
   * updates: by a vulnerable or end-of-life component the updates inventory found; manual: by a person.
   */
  origin: 'auto' | 'manual' | 'audit' | 'objective' | 'updates';
  summary: string;
  owner: string | null;
  opened_at: Millis;
  acknowledged_at: Millis | null;
  acknowledged_by: string | null;
  resolved_at: Millis | null;
  resolve_at: Millis | null;
  escalation_policy: string | null;
  escalation_step: ColumnType<number, number | undefined, number>;
  next_escalation_at: Millis | null;
  next_reminder_at: Millis | null;
  postmortem: string | null;
  source: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: Millis;
}

export interface IncidentMonitorsTable {
  incident_id: number;
  monitor_id: number;
  status: string;
  message: string;
  since: Millis;
}

export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: number;
  at: Millis;
  kind: string;
  message: string;
  author: string | null;
}

export interface NotificationsTable {
  /** A UUID: the Idempotency-Key receivers see on every attempt. */
  id: string;
  incident_id: number | null;
  channel_id: number | null;
  channel_name: string;
  event: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Millis;
  last_error: string | null;
  created_at: Millis;
  delivered_at: Millis | null;
  /** Its place among the messages of its incident to its channel (1, 2, …), which are sent in that order. */
  seq: ColumnType<number, number | undefined, number>;
  /** For a message to someone other than a channel: the kind of recipient ("subscriber") and which one. */
  recipient: ColumnType<string | null, string | null | undefined, string | null>;
  recipient_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  notification_id: string;
  at: Millis;
  ok: number;
  status_code: number | null;
  message: string | null;
  duration_ms: number;
}

export interface UsedLinksTable {
  nonce: string;
  expires_at: Millis;
}

export type ConfigObjectKind = 'escalation' | 'contact' | 'rotation' | 'maintenance' | 'message-template' | 'report' | 'update-policy';

export interface ConfigObjectsTable {
  id: Generated<number>;
  kind: ConfigObjectKind;
  name: string;
  spec: string;
  managed_by: ManagedBy;
  created_at: Millis;
  updated_at: Millis;
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

/** A node of a cluster (cluster mode, PostgreSQL): live while `lease_until` is ahead of the database's clock. */
export interface ClusterNodesTable {
  id: string;
  instance: string;
  version: string;
  started_at: Millis;
  lease_until: Millis;
}

/** A probe: runs the checks of its location's monitors elsewhere; its token is kept as a hash. */
export interface ProbesTable {
  id: Generated<number>;
  name: string;
  location: string;
  token_hash: string;
  token_prefix: string;
  created_at: Millis;
  revoked_at: Millis | null;
  last_seen_at: Millis | null;
  version: string | null;
  lag_ms: Millis | null;
  /** Results the probe said were waiting to be sent, at its last batch or poll. */
  backlog: number | null;
  /** Results its buffer's cap dropped, as the probe last said (kept in its journal across restarts). */
  dropped: number | null;
}

/** One check a probe ran, keyed by the probe's run and sequence number (a replayed batch is stored once). */
export interface ProbeResultsTable {
  probe_id: number;
  run: string;
  seq: number;
  monitor_id: number;
  location: string;
  at: Millis;
  status: 0 | 1 | 2;
  duration_ms: number | null;
  status_code: number | null;
  message: string;
}

export interface Database {
  probes: ProbesTable;
  probe_results: ProbeResultsTable;
  cluster_nodes: ClusterNodesTable;
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
  check_results: CheckResultsTable;
  check_blocks: CheckBlocksTable;
  result_rollups: ResultRollupsTable;
  rollup_watermarks: RollupWatermarksTable;
  monitor_state: MonitorStateTable;
  monitor_events: MonitorEventsTable;
  incidents: IncidentsTable;
  incident_monitors: IncidentMonitorsTable;
  incident_timeline: IncidentTimelineTable;
  notifications: NotificationsTable;
  delivery_attempts: DeliveryAttemptsTable;
  used_links: UsedLinksTable;
  config_objects: ConfigObjectsTable;
  sessions: SessionsTable;
  user_identities: UserIdentitiesTable;
  teams: TeamsTable;
  memberships: MembershipsTable;
  activity: ActivityTable;
}

export type SiteRow = Selectable<SitesTable>;
export type MonitorRow = Selectable<MonitorsTable>;
export type ChannelRow = Selectable<ChannelsTable>;
export type UserRow = Selectable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewMonitorRow = Insertable<MonitorsTable>;
export type MonitorUpdate = Updateable<MonitorsTable>;
