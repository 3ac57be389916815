import { readFile } from 'node:fs/promises';
import { AppError, describeError, isAppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ArchiveStats } from './archive/archiver.js';
import { openBackend } from './backends/registry.js';
import type { BackupJobConfig, RepositoryConfig } from './config.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { prune, type PruneStats } from './prune.js';
import { withLock } from './repository/locks.js';
import { Repository } from './repository/repository.js';
import { listSnapshots } from './repository/snapshots.js';
import { applyRetention, type ForgetGroup, type RetentionPolicy } from './retention.js';
import { snapshotPaths, snapshotStream } from './snapshot-writer.js';
import { sourceTypeOf } from './sources/registry.js';
import { verifyRepository, type VerifyReport } from './verify.js';

/** What every scheduled use case returns: a failed or missing result turns its heartbeat monitor down. */
export interface RunResult<S> {
  ok: boolean;
  message: string;
  durationMs: number;
  stats: S | undefined;
}

export interface RunContext {
  log: Logger;
  progress?: ProgressListener;
  host?: string;
}

export async function readPassword(config: RepositoryConfig): Promise<string> {
  if (config.password !== undefined) return config.password;
  const text = await readFile(config.passwordFile!, 'utf8').catch((err: unknown) =>
    Promise.reject(new AppError('invalid_config', `cannot read the password file ${config.passwordFile!}`, { cause: err })),
  );
  const password = text.split('\n')[0] ?? '';
  if (password === '') throw new AppError('invalid_config', `the password file ${config.passwordFile!} is empty`);
  return password;
}

/** Opens a repository, creating it on first use when `create` is set. */
export async function openRepository(config: RepositoryConfig, create: boolean): Promise<Repository> {
  const password = await readPassword(config);
  const backend = openBackend(config.backend);
  try {
    if (create && !(await backend.exists({ type: 'config', name: '' }))) return await Repository.init(backend, password);
    return await Repository.open(backend, password);
  } catch (err) {
    await backend.close().catch(() => undefined);
    if (isAppError(err)) throw err;
    throw new AppError('unavailable', `cannot open repository ${backend.location}: ${describeError(err)}`, { cause: err });
  }
}

/** Turns any outcome into a result; the scheduler never has to catch. */
export async function timed<S>(log: Logger, what: string, work: () => Promise<{ message: string; stats: S }>): Promise<RunResult<S>> {
  const started = Date.now();
  try {
    const { message, stats } = await work();
    return { ok: true, message, durationMs: Date.now() - started, stats };
  } catch (err) {
    log.error({ err }, `${what} failed`);
    return { ok: false, message: `${what} failed: ${describeError(err)}`, durationMs: Date.now() - started, stats: undefined };
  }
}

export const jobTag = (name: string): string => `upkeep-job:${name}`;
const rowsTagPrefix = 'upkeep-rows:';

/** The tag that carries a database's row counts at backup time. */
export const rowCountsTag = (counts: Record<string, number>): string => rowsTagPrefix + Buffer.from(JSON.stringify(counts)).toString('base64url');

/** Database row counts travel in a snapshot tag (base64url JSON), the one free-form field restic's format has. */
export function rowCountsOf(tags: readonly string[] | undefined): Record<string, number> | undefined {
  const tag = tags?.find((t) => t.startsWith(rowsTagPrefix));
  return tag === undefined ? undefined : (JSON.parse(Buffer.from(tag.slice(rowsTagPrefix.length), 'base64url').toString('utf8')) as Record<string, number>);
}

export interface BackupRunStats extends ArchiveStats {
  snapshotId: string;
  forgotten: number;
  prune: PruneStats | undefined;
}

/**
 * One scheduled backup: snapshot the job's source, then apply its retention. A dump command that fails
 * throws inside the stream, so no snapshot is written and the result is not ok.
 *
 * @example const result = await runBackup(job, config.repositories[job.repository]!, { log })
 */
export function runBackup(job: BackupJobConfig, repoConfig: RepositoryConfig, ctx: RunContext): Promise<RunResult<BackupRunStats>> {
  return timed(ctx.log, `backup ${job.name}`, async () => {
    const repo = await openRepository(repoConfig, true);
    const tracker = new ProgressTracker(ctx.progress);
    try {
      const input = await sourceTypeOf(job.source).open(job.source);
      const common = { log: ctx.log, progress: tracker, ...(ctx.host === undefined ? {} : { host: ctx.host }) };
      let result;
      try {
        if (input.kind === 'paths') result = await snapshotPaths(repo, input.paths, { ...common, tags: [jobTag(job.name), ...job.tags] }, input.fs);
        else {
          const rows = input.rowCounts === undefined ? [] : [rowCountsTag(input.rowCounts)];
          result = await snapshotStream(repo, input.filename, input.stream, { ...common, tags: [jobTag(job.name), ...job.tags, ...rows] });
        }
      } finally {
        await input.close();
      }
      tracker.finish();
      const { prune: alsoPrune = false, ...policy } = job.retention ?? {};
      const forget = job.retention ? await forgetSnapshots(repo, policy, alsoPrune, ctx.log, jobTag(job.name)) : { removed: [], prune: undefined };
      const stats = { ...result.stats, snapshotId: result.snapshotId, forgotten: forget.removed.length, prune: forget.prune };
      return { message: `snapshot ${result.snapshotId.slice(0, 8)}: ${result.stats.bytesRead} bytes read, ${result.stats.bytesAdded} added`, stats };
    } finally {
      await repo.backend.close();
    }
  });
}

/** restic's `forget` (optionally `--prune`) under an exclusive lock; `tag` limits it to one job's snapshots. */
export async function forgetSnapshots(
  repo: Repository,
  policy: RetentionPolicy,
  alsoPrune: boolean,
  log: Logger,
  tag?: string,
): Promise<{ groups: ForgetGroup[]; removed: string[]; prune: PruneStats | undefined }> {
  return withLock(repo, true, async () => {
    const snapshots = (await listSnapshots(repo)).filter((s) => tag === undefined || s.tags?.includes(tag));
    const groups = applyRetention(snapshots, policy);
    const removed = groups.flatMap((g) => g.remove.map((s) => s.id));
    for (const name of removed) await repo.backend.remove({ type: 'snapshots', name });
    const pruned = alsoPrune && removed.length > 0 ? await prune(repo, log) : undefined;
    return { groups, removed, prune: pruned };
  });
}

/** The scheduled check: structure always, plus a share of packs read in full (all of them when `readDataFraction` is 1). */
export function runVerify(repoConfig: RepositoryConfig, readDataFraction: number, ctx: RunContext): Promise<RunResult<VerifyReport>> {
  return timed(ctx.log, 'verify', async () => {
    const repo = await openRepository(repoConfig, false);
    try {
      const report = await withLock(repo, false, () => verifyRepository(repo, { readDataFraction }));
      if (!report.ok) throw new AppError('internal', `${report.errors.length} problems, first: ${report.errors[0] ?? ''}`);
      return { message: `${report.snapshots} snapshots, ${report.packs} packs checked, ${report.packsRead} read in full`, stats: report };
    } finally {
      await repo.backend.close();
    }
  });
}
