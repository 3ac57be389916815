import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from '../lib/logger.js';
import type { PingKind } from '../monitoring/heartbeat.js';
import { runBackup, runVerify, type RunResult } from './backup.service.js';
import { SELF_JOB, type BackupsConfig } from './config.js';
import { runSelfBackup, runSelfDrill, type Instance } from './self-backup.js';
import { runDrill } from './drills.js';
import { backupMonitorName, checkMonitorName, drillMonitorName, sitesByRepository, type HeartbeatRef } from './heartbeats.js';
import { onHostKeyPinned } from './known-hosts.js';

export interface BackupSchedulerDeps {
  config: BackupsConfig;
  /** The monitoring engine's heartbeat intake. */
  engine: { ping(key: string, kind: PingKind, extra: { runId?: string; body?: string }): boolean };
  /** The ping key of a heartbeat monitor, looked up at each run: `upkeep apply` may have made it anew. */
  pingKeyOf(ref: HeartbeatRef): Promise<string | undefined>;
  /** This instance of Upkeep, for `backups.self`. */
  instance?: Instance;
  /** Keeps each finished run for the history the API and the dashboard show. */
  record?(run: FinishedRun): Promise<void>;
  log: Logger;
}

/** A run as the history keeps it. */
export interface FinishedRun {
  kind: 'backup' | 'drill' | 'check';
  job: string | null;
  repository: string;
  startedAt: number;
  finishedAt: number;
  ok: boolean;
  message: string;
  snapshotId: string | null;
}

interface Task {
  /** Unique per scheduled thing; a task still queued or running is not queued again. */
  id: string;
  kind: FinishedRun['kind'];
  job: string | null;
  repository: string;
  reportTo: HeartbeatRef[];
  run(log: Logger): Promise<RunResult<unknown>>;
}

/**
 * Runs backup jobs, restore drills and repository checks on their cron schedules and reports each run
 * to its heartbeat monitor: `start`, then `success` or `fail` with the run's message. A failed run turns
 * the monitor down at once; a run that never happens turns it down when its deadline passes. Runs on
 * one repository go one after another, as they would contend for its lock.
 *
 * @example const scheduler = new BackupScheduler({ config: config.backups, engine, pingKeyOf, log }); scheduler.start()
 */
export class BackupScheduler {
  private readonly crons: Cron[] = [];
  private readonly queues = new Map<string, Promise<void>>();
  private readonly busy = new Set<string>();
  private stopped = false;
  private config: BackupsConfig;

  private stopPinLog: (() => void) | undefined;

  constructor(private readonly deps: BackupSchedulerDeps) {
    this.config = deps.config;
  }

  /** The section the schedules follow now. */
  get current(): BackupsConfig {
    return this.config;
  }

  /** Starts the schedules; a stopped scheduler may start again (a cluster node that leads the job again). */
  start(): void {
    this.stopped = false;
    this.stopPinLog = onHostKeyPinned((pin) =>
      this.deps.log.warn(pin, 'first connection to an SFTP server: its host key is pinned now, and a different key will be refused'),
    );
    this.schedule();
  }

  /**
   * Follows a changed `backups:` section without a restart: every cron is made anew from it. Runs
   * already queued or running finish with the definition they started with.
   */
  reschedule(config: BackupsConfig): void {
    if (this.stopped) return;
    for (const cron of this.crons.splice(0)) cron.stop();
    this.config = config;
    this.schedule();
  }

  private schedule(): void {
    const { config } = this;
    for (const job of config.jobs) {
      const repository = config.repositories[job.repository]!;
      this.every(job, {
        id: `backup ${job.name}`,
        kind: 'backup',
        job: job.name,
        repository: job.repository,
        reportTo: [{ site: job.site, monitor: backupMonitorName(job.name) }],
        run: (log) => runBackup(job, repository, { log }),
      });
      if (!job.drill) continue;
      const scratch = config.drills.scratchDir === undefined ? {} : { scratchDir: config.drills.scratchDir };
      this.every(config.drills, {
        id: `drill ${job.name}`,
        kind: 'drill',
        job: job.name,
        repository: job.repository,
        reportTo: [{ site: job.site, monitor: drillMonitorName(job.name) }],
        run: (log) => runDrill(job, repository, { log, ...scratch }),
      });
    }
    this.scheduleSelf(config);
    const sites = sitesByRepository(config);
    for (const [name, repository] of Object.entries(config.repositories)) {
      const reportTo = (sites.get(name) ?? []).map((site) => ({ site, monitor: checkMonitorName(name) }));
      const { verify } = config;
      this.every(verify, {
        id: `check ${name}`,
        kind: 'check',
        job: null,
        repository: name,
        reportTo,
        run: (log) => runVerify(repository, verify.readDataPercent / 100, { log }),
      });
      this.every(
        { schedule: verify.fullReadSchedule, timezone: verify.timezone },
        { id: `full check ${name}`, kind: 'check', job: null, repository: name, reportTo, run: (log) => runVerify(repository, 1, { log }) },
      );
    }
    this.deps.log.info({ jobs: config.jobs.length, schedules: this.crons.length }, 'backup schedules started');
  }

  /** Upkeep's own backup and its drill, reported like a job named "upkeep-self". */
  private scheduleSelf(config: BackupsConfig): void {
    const { self } = config;
    const instance = this.deps.instance;
    if (!self || !instance) return;
    const repository = config.repositories[self.repository]!;
    const common = { job: SELF_JOB, repository: self.repository };
    this.every(self, {
      ...common,
      id: `backup ${SELF_JOB}`,
      kind: 'backup',
      reportTo: [{ site: self.site, monitor: backupMonitorName(SELF_JOB) }],
      run: (log) => runSelfBackup(instance, repository, self.keep, { log }),
    });
    if (!self.drill) return;
    const scratch = config.drills.scratchDir === undefined ? {} : { scratchDir: config.drills.scratchDir };
    this.every(config.drills, {
      ...common,
      id: `drill ${SELF_JOB}`,
      kind: 'drill',
      reportTo: [{ site: self.site, monitor: drillMonitorName(SELF_JOB) }],
      run: (log) => runSelfDrill(repository, { log, ...scratch }),
    });
  }

  /**
   * Stops scheduling and waits up to `waitMs` for runs in progress. A run cut short by the process
   * ending leaves a repository restic's rules still accept (packs without a snapshot, a stale lock),
   * and its heartbeat turns down when the finish never arrives.
   */
  async stop(waitMs = 5_000): Promise<void> {
    this.stopPinLog?.();
    this.stopped = true;
    for (const cron of this.crons) cron.stop();
    this.crons.length = 0;
    const idle = Promise.all(this.queues.values());
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([idle, waited]);
    clearTimeout(timer);
  }

  private every(when: { schedule: string; timezone: string }, task: Task): void {
    // Unreferenced: the schedules alone must not keep a process alive that is otherwise done.
    this.crons.push(new Cron(when.schedule, { timezone: when.timezone, unref: true }, () => this.enqueue(task)));
  }

  private enqueue(task: Task): void {
    if (this.stopped) return;
    if (this.busy.has(task.id)) {
      this.deps.log.warn({ task: task.id }, 'the previous run is still queued or running; this one is skipped');
      return;
    }
    this.busy.add(task.id);
    const previous = this.queues.get(task.repository) ?? Promise.resolve();
    const next = previous.then(() => this.runTask(task)).finally(() => this.busy.delete(task.id));
    this.queues.set(task.repository, next);
  }

  /** Never rejects: the queue of a repository must survive any one run. */
  private async runTask(task: Task): Promise<void> {
    if (this.stopped) return;
    const log = this.deps.log.child({ task: task.id });
    const runId = randomUUID();
    try {
      await this.report(task, 'start', runId);
      const startedAt = Date.now();
      const result = await task.run(log);
      log.info({ ok: result.ok, durationMs: result.durationMs }, result.message);
      await this.report(task, result.ok ? 'success' : 'fail', runId, result.message);
      const stats = result.stats as { snapshotId?: string } | undefined;
      await this.deps.record?.({
        kind: task.kind,
        job: task.job,
        repository: task.repository,
        startedAt,
        finishedAt: startedAt + result.durationMs,
        ok: result.ok,
        message: result.message,
        snapshotId: stats?.snapshotId ?? null,
      });
    } catch (err) {
      log.error({ err }, 'could not report the run to its heartbeat or keep it in the history');
    }
  }

  private async report(task: Task, kind: PingKind, runId: string, body?: string): Promise<void> {
    if (this.stopped) return;
    for (const ref of task.reportTo) {
      const key = await this.deps.pingKeyOf(ref);
      const taken = key !== undefined && this.deps.engine.ping(key, kind, { runId, ...(body === undefined ? {} : { body }) });
      if (!taken) this.deps.log.warn({ task: task.id, ...ref }, 'the heartbeat monitor of this run is missing; run "upkeep apply" to make it');
    }
  }
}
