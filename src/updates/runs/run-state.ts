import type { Kysely } from 'kysely';
import type { AuditsConfig } from '../../audits/config.js';
import type { BackupJobConfig, BackupsConfig, RepositoryConfig } from '../../backups/config.js';
import type { Database } from '../../db/types.js';
import type { MaintenanceService } from '../../incidents/maintenance.service.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { SecretBox } from '../../lib/secrets.js';
import type { Monitor, SiteCodec } from '../../sites/sites.service.js';
import type { UpdateEvent, UpdateEventPayload } from './events.js';
import type { Phase } from './runner.js';
import type { RunSpec } from './spec.js';
import type { Captured, Verdict } from './verify.js';

/** What a run has made and learnt so far; stored with it after every step. */
export interface RunState {
  window?: { id: number; name: string };
  backups: { job: string; snapshotId: string }[];
  before?: Captured;
  after?: Verdict;
  afterRollback?: Verdict;
  /** The next update step to run… */
  stepIndex: number;
  /** …and the last one begun: equal or above stepIndex while a step is under way. */
  stepStarted?: number;
  outcome?: 'succeeded' | 'failed' | 'rolled_back' | 'rollback_failed';
  incidentId?: number;
}

/** What runs need from the rest of Upkeep. */
export interface UpdateRunsDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  codec: SiteCodec;
  secrets: SecretBox;
  maintenance: MaintenanceService;
  /** Opens an incident as a person would (IncidentsService.open): a failed rollback opens a critical one. */
  openIncident(input: { siteId: number; title: string; severity: 'critical'; message: string }, author: string): Promise<{ id: number }>;
  backups: BackupsConfig | undefined;
  audits: AuditsConfig;
  allowPrivate: boolean;
  ca?: readonly string[] | undefined;
  /** Screenshots and their differences go below <dataDir>/updates/runs/<id>/. */
  dataDir: string;
  /** How long a runner's hold on a site lasts without renewal: after a crash, another runner takes over once it ends. */
  leaseMs?: number;
  /** Queues the events' messages (channels, webhooks) in the transaction that stores them: the one outbox. */
  deliver?(trx: Kysely<Database>, payloads: readonly UpdateEventPayload[], now: number): Promise<unknown>;
  /** Hears of each event as it is stored (the server's live updates; channels from stage 3). */
  onEvent?(payload: UpdateEventPayload): void;
  /** Called once a run's maintenance window is open, so status-page subscribers can be told without waiting. */
  onWindowOpened?(): void;
}

export interface StepResult<T> {
  ok: boolean;
  output: string;
  value?: T | undefined;
}

/** One run as the phases see it. */
export interface RunContext {
  run: { id: number; siteId: number; siteName: string; phase: Phase; reason: string | null };
  spec: RunSpec;
  state: RunState;
  deps: UpdateRunsDeps;
  /** The run's folder of screenshots. */
  dir: string;
  /** Throws when another runner has taken the site over (this one lost its lease). */
  checkLease(): void;
  /** Records the next phase, the state and the events, in one transaction. */
  advance(phase: Phase, events: readonly UpdateEvent[], reason?: string): Promise<void>;
  /** Runs one logged step: a row before it starts, its output (capped) when it ends; a throw is a failed step. */
  step<T>(phase: string, title: string, work: () => Promise<StepResult<T>>): Promise<StepResult<T>>;
  jobs(): BackupJobConfig[];
  repository(job: BackupJobConfig): RepositoryConfig;
  monitors(): Monitor[];
  openWindow(): Promise<void>;
  closeWindow(): Promise<void>;
  openIncident(): Promise<void>;
}
