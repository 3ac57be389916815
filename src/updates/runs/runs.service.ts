import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { BackupJobConfig } from '../../backups/config.js';
import { restorableInPlace } from '../../backups/restore-in-place.js';
import { parseInput } from '../../config/validate.js';
import { AppError, isAppError } from '../../lib/errors.js';
import type { Monitor } from '../../sites/sites.service.js';
import { SitesRepository } from '../../sites/sites.repository.js';
import { repeat } from '../../lib/repeat.js';
import type { RunStatus } from '../tables.js';
import type { UpdateEvent, UpdateEventPayload } from './events.js';
import type { RunContext, RunState, StepResult, UpdateRunsDeps } from './run-state.js';
import { drive, errorLine, resumePhase, screenshotDir, type Phase } from './runner.js';
import { RunsRepository, type RunRow } from './runs.repository.js';
import { runSpecSchema, type RunSpec } from './spec.js';
import { describeStep } from './steps/index.js';
import { STEP_OUTPUT_BYTES } from './steps/commands.js';

export interface RunRecord {
  id: number;
  siteId: number;
  status: RunStatus;
  phase: string;
  reason: string | null;
  createdAt: number;
  finishedAt: number | null;
  state: RunState;
  steps: { seq: number; phase: string; title: string; status: string; output: string; startedAt: number; finishedAt: number | null }[];
  events: UpdateEventPayload[];
}

const DEFAULT_LEASE_MS = 60_000;
const statusOf = (outcome: RunState['outcome']): RunStatus => outcome ?? 'failed';

/**
 * Safe update runs of sites: one at a time per site (a lease in the database), each driven through
 * its state machine (runner.ts) and recorded after every step, so an Upkeep that restarts finishes
 * or rolls back what it had begun.
 */
export class UpdateRunsService {
  private readonly repo: RunsRepository;
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Runs this service is driving now: its own lease on them is not a lost runner's. */
  private readonly active = new Set<number>();
  /** How the runs this service drives now will end, for `finished`. */
  private readonly driving = new Map<number, Promise<void>>();

  constructor(private readonly deps: UpdateRunsDeps) {
    this.repo = new RunsRepository(deps.db);
  }

  private get leaseMs(): number {
    return this.deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** The site's backup jobs a run takes (all of them, or those the spec names). */
  jobsFor(siteName: string, spec: RunSpec): BackupJobConfig[] {
    const all = (this.deps.backups?.jobs ?? []).filter((j) => j.site === siteName);
    if (!spec.backupJobs) return all;
    return spec.backupJobs.map((name) => {
      const job = all.find((j) => j.name === name);
      if (!job) throw new AppError('invalid_input', `backupJobs: site "${siteName}" has no backup job named ${JSON.stringify(name)} under backups.jobs`);
      return job;
    });
  }

  /** What must hold before a run may start: a backup to go back to (or a rollback command), and each job restorable. */
  preflight(siteName: string, spec: RunSpec): BackupJobConfig[] {
    const jobs = this.jobsFor(siteName, spec);
    if (spec.rollback.kind === 'backup') {
      if (!jobs.length)
        throw new AppError(
          'invalid_input',
          `site "${siteName}" has no backup job (backups.jobs with site: ${siteName}); a run needs one to roll back to, or rollback: { kind: command }`,
        );
      const stuck = jobs.filter((j) => !restorableInPlace(j));
      if (stuck.length)
        throw new AppError(
          'invalid_input',
          `backup job ${stuck[0]!.name} (${stuck[0]!.source.kind}) cannot be restored in place; give a rollback command instead`,
        );
    }
    return jobs;
  }

  /**
   * Records a run for the site, takes the site's lease, and drives the run to its end: the returned
   * record says how it went. A second run of the same site while one is under way is refused.
   *
   * @example await runs.run('Example shop', { ssh, pages: [{ url: 'https://shop.example.com/' }], steps: [{ kind: 'wp-cli', target: 'plugin', name: 'akismet' }] })
   */
  async run(siteName: string, input: unknown): Promise<RunRecord> {
    const { id, driving } = await this.begin(siteName, input);
    await driving;
    return this.get(id);
  }

  /**
   * Starts a run and leaves it going (the API's runs take minutes): answers its id once it holds the
   * site's lease. How it ends is in its record; what stopped it is in its log.
   */
  async start(siteName: string, input: unknown): Promise<number> {
    const { id, driving } = await this.begin(siteName, input);
    driving.catch(() => undefined);
    return id;
  }

  /** The record of a run once it ended (the CLI waits for the run its approved request started); at once for a run driven elsewhere. */
  async finished(id: number): Promise<RunRecord> {
    await this.driving.get(id)?.catch(() => undefined);
    return this.get(id);
  }

  private async begin(siteName: string, input: unknown): Promise<{ id: number; driving: Promise<void> }> {
    const spec = parseInput(runSpecSchema, input);
    const site = await new SitesRepository(this.deps.db).getSiteByName(siteName);
    if (!site) throw new AppError('not_found', `site "${siteName}" does not exist`);
    this.preflight(siteName, spec);
    const now = this.deps.clock.now();
    const { password, ...ssh } = spec.ssh;
    const stored = z.encode(runSpecSchema, { ...spec, ssh });
    const state: RunState = { backups: [], stepIndex: 0 };
    const id = await this.repo.insert({
      site_id: site.id,
      status: 'running',
      phase: 'open_window',
      spec: JSON.stringify(stored),
      secrets: password === undefined ? null : this.deps.secrets.seal({ password }),
      state: JSON.stringify(state),
      reason: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    });
    // Ours from the moment it exists, so this service's own resume round leaves it alone.
    this.active.add(id);
    try {
      const lease = await this.repo.lease(site.id, id, this.owner, now, now + this.leaseMs);
      if (!lease.taken) {
        await this.repo.save(
          id,
          {
            status: 'failed',
            phase: 'done',
            state: JSON.stringify(state),
            reason: `update run ${lease.runId} of this site is under way`,
            updated_at: now,
            finished_at: now,
          },
          [],
        );
        throw new AppError('conflict', `site "${siteName}" has update run ${lease.runId} under way; one run at a time per site`);
      }
    } catch (err) {
      this.active.delete(id);
      throw err;
    }
    const row = (await this.repo.get(id))!;
    const driving = this.drive(row, siteName).finally(() => {
      this.active.delete(id);
      this.driving.delete(id);
    });
    this.driving.set(id, driving);
    return { id, driving };
  }

  /**
   * Finishes every run a stopped Upkeep left unfinished, once its lease has run out: each resumes
   * at the phase it was in, or rolls back when it was stopped during an update step.
   */
  async resumeUnfinished(): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const row of await this.repo.running()) {
      if (this.active.has(row.id)) continue;
      // Claimed before the lease is asked for, so two rounds of this service never both drive it.
      this.active.add(row.id);
      try {
        const now = this.deps.clock.now();
        const lease = await this.repo.lease(row.site_id, row.id, this.owner, now, now + this.leaseMs);
        if (!lease.taken) continue;
        await this.resume(row, now);
      } finally {
        this.active.delete(row.id);
      }
      out.push(await this.get(row.id));
    }
    return out;
  }

  private async resume(row: RunRow, now: number): Promise<void> {
    const site = await new SitesRepository(this.deps.db).getSite(row.site_id);
    const state = JSON.parse(row.state) as RunState;
    const resumed = resumePhase(row.phase as Phase, state);
    this.deps.log.warn({ run: row.id, phase: row.phase, resumeAt: resumed.phase }, 'resuming an update run left unfinished');
    const reason = resumed.reason ?? row.reason;
    await this.repo.save(row.id, { status: 'running', phase: resumed.phase, state: JSON.stringify(state), reason, updated_at: now, finished_at: null }, []);
    try {
      await this.drive({ ...row, phase: resumed.phase, state: JSON.stringify(state), reason }, site?.name ?? `site ${row.site_id}`);
    } catch {
      // Recorded in the run's log by drive(); the next round tries again.
    }
  }

  /**
   * Resumes unfinished runs now and then every `everyMs` (a crashed runner's lease must run out
   * first); returns the way to stop, which waits for a round under way.
   */
  keepResuming(everyMs = 30_000): () => Promise<void> {
    const resuming = repeat(everyMs, () => this.resumeUnfinished(), { log: this.deps.log, what: 'resuming update runs', now: true });
    return () => resuming.stop();
  }

  async get(id: number): Promise<RunRecord> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', `update run ${id} does not exist`);
    return {
      id: row.id,
      siteId: row.site_id,
      status: row.status,
      phase: row.phase,
      reason: row.reason,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      state: JSON.parse(row.state) as RunState,
      steps: (await this.repo.steps(id)).map((s) => ({
        seq: s.seq,
        phase: s.phase,
        title: s.title,
        status: s.status,
        output: s.output,
        startedAt: s.started_at,
        finishedAt: s.finished_at,
      })),
      events: (await this.repo.events(id)).map((e) => JSON.parse(e.payload) as UpdateEventPayload),
    };
  }

  async list(siteId: number, limit = 20): Promise<RunRecord[]> {
    return Promise.all((await this.repo.list(siteId, limit)).map((r) => this.get(r.id)));
  }

  private specOf(row: RunRow): RunSpec {
    const stored = JSON.parse(row.spec) as { ssh: Record<string, unknown> };
    const secrets = row.secrets === null ? {} : this.deps.secrets.open<{ password: string }>(row.secrets);
    return runSpecSchema.parse({ ...stored, ssh: { ...stored.ssh, ...secrets } });
  }

  private async drive(row: RunRow, siteName: string): Promise<void> {
    const session = new RunSession(this.deps, this.repo, this.owner, this.leaseMs, row, siteName, this.specOf(row));
    try {
      await session.load();
      await drive(session);
    } catch (err) {
      // Nothing may end a run silently: what stopped it is recorded, and the next start picks it up again.
      this.deps.log.error({ err, run: row.id }, 'update run stopped');
      if (!isAppError(err) || err.code !== 'conflict') await session.note(`the run stopped: ${errorLine(err)}; it is resumed when Upkeep starts again`);
      throw err;
    } finally {
      session.stop();
      if (session.run.phase === 'done') await this.repo.release(row.site_id, row.id);
    }
  }
}

/** One run being driven: the context its phases work in (run-state.ts). */
class RunSession implements RunContext {
  readonly run: RunContext['run'];
  readonly state: RunState;
  readonly dir: string;
  private seq = 0;
  private lost = false;
  private siteMonitors: Monitor[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly deps: UpdateRunsDeps,
    private readonly repo: RunsRepository,
    private readonly owner: string,
    leaseMs: number,
    row: RunRow,
    siteName: string,
    readonly spec: RunSpec,
  ) {
    this.run = { id: row.id, siteId: row.site_id, siteName, phase: row.phase as Phase, reason: row.reason };
    this.state = JSON.parse(row.state) as RunState;
    this.dir = screenshotDir(deps.dataDir, row.id);
    this.timer = setInterval(() => {
      const expires = deps.clock.now() + leaseMs;
      repo.renew(row.site_id, row.id, owner, expires).then(
        (held) => (this.lost ||= !held),
        (err: unknown) => deps.log.warn({ err, run: row.id }, 'could not renew the lease of an update run'),
      );
    }, leaseMs / 3);
    this.timer.unref();
  }

  async load(): Promise<void> {
    const steps = await this.repo.steps(this.run.id);
    this.seq = steps.reduce((max, s) => Math.max(max, s.seq), 0);
    const now = this.deps.clock.now();
    for (const s of steps.filter((s) => s.status === 'running'))
      await this.repo.finishStep(this.run.id, s.seq, {
        status: 'failed',
        output: `${s.output}\n[interrupted: Upkeep stopped during this step]`.trim(),
        finished_at: now,
      });
    const { rows } = await new SitesRepository(this.deps.db).listMonitors({ siteId: this.run.siteId, limit: 1_000 });
    this.siteMonitors = rows.map((r) => this.deps.codec.monitorFromRow(r));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  checkLease(): void {
    if (this.lost) throw new AppError('conflict', `update run ${this.run.id}: another runner took over this site`);
  }

  async advance(phase: Phase, events: readonly UpdateEvent[], reason?: string): Promise<void> {
    const now = this.deps.clock.now();
    if (reason !== undefined) this.run.reason = reason;
    this.run.phase = phase;
    const status: RunStatus = phase === 'done' ? statusOf(this.state.outcome) : 'running';
    const payloads = events.map((event) => this.payload(event, status, now));
    await this.repo.save(
      this.run.id,
      { status, phase, state: JSON.stringify(this.state), reason: this.run.reason, updated_at: now, finished_at: phase === 'done' ? now : null },
      payloads.map((p) => ({ run_id: this.run.id, site_id: this.run.siteId, event: p.event, payload: JSON.stringify(p), at: now })),
      payloads.length && this.deps.deliver ? (trx) => this.deps.deliver!(trx, payloads, now) : undefined,
    );
    for (const p of payloads) this.deps.onEvent?.(p);
  }

  /** Writes why a run stopped into its log, without changing its phase. */
  async note(text: string): Promise<void> {
    const now = this.deps.clock.now();
    this.seq += 1;
    await this.repo.addStep({
      run_id: this.run.id,
      seq: this.seq,
      phase: this.run.phase,
      title: 'interrupted',
      status: 'failed',
      output: text,
      started_at: now,
      finished_at: now,
    });
  }

  private payload(event: UpdateEvent, status: RunStatus, now: number): UpdateEventPayload {
    return {
      event,
      occurredAt: new Date(now).toISOString(),
      run: { id: this.run.id, status, phase: this.run.phase, reason: this.run.reason, steps: this.spec.steps.map(describeStep) },
      site: { id: this.run.siteId, name: this.run.siteName, url: this.spec.pages[0]?.url ?? null },
      ...(this.state.incidentId === undefined ? {} : { incidentId: this.state.incidentId }),
    };
  }

  async step<T>(phase: string, title: string, work: () => Promise<StepResult<T>>): Promise<StepResult<T>> {
    this.seq += 1;
    const seq = this.seq;
    await this.repo.addStep({ run_id: this.run.id, seq, phase, title, status: 'running', output: '', started_at: this.deps.clock.now(), finished_at: null });
    let result: StepResult<T>;
    try {
      result = await work();
    } catch (err) {
      result = { ok: false, output: errorLine(err) };
    }
    const output = result.output.length > STEP_OUTPUT_BYTES ? `${result.output.slice(0, STEP_OUTPUT_BYTES)}\n[output cut]` : result.output;
    await this.repo.finishStep(this.run.id, seq, { status: result.ok ? 'ok' : 'failed', output, finished_at: this.deps.clock.now() });
    return result;
  }

  jobs(): BackupJobConfig[] {
    return (this.deps.backups?.jobs ?? []).filter((j) => j.site === this.run.siteName && (!this.spec.backupJobs || this.spec.backupJobs.includes(j.name)));
  }

  repository(job: BackupJobConfig) {
    const repository = this.deps.backups?.repositories[job.repository];
    if (!repository) throw new AppError('invalid_config', `backup job ${job.name} names repository ${job.repository}, which is not configured`);
    return repository;
  }

  monitors(): Monitor[] {
    return this.siteMonitors;
  }

  async openWindow(): Promise<void> {
    if (
      this.state.window &&
      (await this.deps.maintenance.get(this.state.window.id).then(
        () => true,
        () => false,
      ))
    )
      return;
    const now = this.deps.clock.now();
    const name = `Update run ${this.run.id}: ${this.run.siteName}`.slice(0, 120);
    const window = await this.deps.maintenance.create({
      name,
      description: `Updates: ${this.spec.steps.map(describeStep).join('; ')}`.slice(0, 2_000),
      sites: [this.run.siteName],
      start: new Date(now).toISOString(),
      end: new Date(now + this.spec.window).toISOString(),
    });
    this.state.window = { id: window.id, name };
    await this.advance(this.run.phase, []);
    this.deps.onWindowOpened?.();
  }

  async closeWindow(): Promise<void> {
    if (!this.state.window) return;
    await this.deps.maintenance.delete(this.state.window.id).catch((err: unknown) => {
      if (!isAppError(err) || err.code !== 'not_found') throw err;
    });
  }

  async openIncident(): Promise<void> {
    if (this.state.incidentId !== undefined) return;
    const incident = await this.deps.openIncident(
      {
        siteId: this.run.siteId,
        title: `Update run ${this.run.id}: the rollback failed`,
        severity: 'critical',
        message: this.run.reason ?? 'the rollback failed',
      },
      'updates',
    );
    this.state.incidentId = incident.id;
    await this.advance(this.run.phase, []);
  }
}
