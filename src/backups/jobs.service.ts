import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { siteRefOf, type Access, type SiteRef } from '../accounts/access.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { SiteCodec } from '../sites/sites.service.js';
import { jobTag, rowCountsOf } from './backup.service.js';
import { BackupsRepository, type BackupRunRow } from './backups.repository.js';
import { assertPaths, listFolder, searchNames, tarArchive, type TreeEntry } from './browse.js';
import type { BackupJobConfig, BackupsConfig } from './config.js';
import { openBackend } from './backends/registry.js';
import type { RepositoryCache } from './repository-cache.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots, type Snapshot } from './repository/snapshots.js';
import { restoreTree, type RestoreStats } from './restore.js';
import { restoreTarget } from './restore-target.js';
import type { BackupRunKind } from './tables.js';

export interface RunView {
  id: number;
  kind: BackupRunKind;
  job: string | null;
  repository: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  message: string;
  snapshotId: string | null;
}

export interface JobView {
  name: string;
  site: { id: number; name: string };
  repository: string;
  source: string;
  schedule: string;
  timezone: string;
  drill: boolean;
  lastBackup: RunView | null;
  lastDrill: RunView | null;
  lastCheck: RunView | null;
  /** What the caller may do with its snapshots. */
  may: { download: boolean; restoreToServer: boolean };
}

export interface SnapshotView {
  id: string;
  shortId: string;
  time: string;
  hostname: string | null;
  paths: string[];
  tags: string[];
}

export interface BackupJobsDeps {
  db: Kysely<Database>;
  siteCodec: SiteCodec;
  clock: Clock;
  /** The `backups:` section in force (it changes without a restart). */
  current: () => BackupsConfig | undefined;
  repositories: RepositoryCache;
  /** Upkeep's own files (data folder, install folder): no restore root may overlap them. */
  protectedPaths: readonly string[];
  log: Logger;
}

const runView = (r: BackupRunRow): RunView => ({
  id: r.id,
  kind: r.kind,
  job: r.job,
  repository: r.repository,
  startedAt: new Date(r.started_at).toISOString(),
  finishedAt: new Date(r.finished_at).toISOString(),
  ok: r.ok === 1,
  message: r.message,
  snapshotId: r.snapshot_id,
});

const snapshotView = (s: Snapshot): SnapshotView => ({
  id: s.id,
  shortId: s.id.slice(0, 8),
  time: s.time,
  hostname: s.hostname ?? null,
  paths: s.paths,
  // Upkeep's own bookkeeping tags (job, row counts) are not the user's.
  tags: (s.tags ?? []).filter((t) => !t.startsWith('upkeep-')),
});

/**
 * Backups as people see them through the API: repositories and jobs of the sites in their reach, run
 * history, snapshots, browsing, and restores. A job belongs to its site: reading needs a role there,
 * downloading needs editor there, restoring onto the server is for admins and owners only.
 */
export class BackupJobsService {
  private readonly runs: BackupsRepository;
  private readonly sites: SitesRepository;
  /** Folders being restored into: two restores that both found a folder empty must not write into it together. */
  private readonly restoring = new Set<string>();

  constructor(private readonly deps: BackupJobsDeps) {
    this.runs = new BackupsRepository(deps.db);
    this.sites = new SitesRepository(deps.db);
  }

  /** Jobs whose site is in reach, with their site. */
  private async visibleJobs(access: Access): Promise<{ job: BackupJobConfig; site: SiteRef }[]> {
    const config = this.deps.current();
    if (!config) return [];
    const rows = await this.sites.sitesByNames([...new Set(config.jobs.map((j) => j.site))]);
    const sites = new Map(rows.map((row) => [row.name, siteRefOf.site(this.deps.siteCodec.siteFromRow(row))]));
    const out: { job: BackupJobConfig; site: SiteRef }[] = [];
    for (const job of config.jobs) {
      const site = sites.get(job.site);
      if (site && access.roleOn(site)) out.push({ job, site });
    }
    return out;
  }

  /** Repositories in reach: every one for the whole instance, otherwise those a job in reach uses. */
  private static reachable(access: Access, config: BackupsConfig, jobs: readonly { job: BackupJobConfig }[]): string[] {
    return Object.keys(config.repositories).filter((name) => access.global || jobs.some((j) => j.job.repository === name));
  }

  private async jobFor(access: Access, name: string): Promise<{ job: BackupJobConfig; site: SiteRef; config: BackupsConfig }> {
    const found = (await this.visibleJobs(access)).find((j) => j.job.name === name);
    if (!found) throw new AppError('not_found', `backup job ${name} does not exist`);
    return { ...found, config: this.deps.current()! };
  }

  async repositories(access: Access) {
    const config = this.deps.current();
    if (!config) return [];
    const jobs = await this.visibleJobs(access);
    const latest = await this.runs.latestRuns();
    return BackupJobsService.reachable(access, config, jobs).map((name) => {
      const repo = config.repositories[name]!;
      const backend = openBackend(repo.backend);
      void backend.close();
      const lastCheck = latest.filter((r) => r.kind === 'check' && r.repository === name).sort((a, b) => b.id - a.id)[0];
      return {
        name,
        backend: repo.backend.kind,
        location: backend.location,
        jobs: jobs.filter((j) => j.job.repository === name).map((j) => j.job.name),
        lastCheck: lastCheck ? runView(lastCheck) : null,
      };
    });
  }

  async jobs(access: Access): Promise<JobView[]> {
    const latest = await this.runs.latestRuns();
    const last = (kind: BackupRunKind, match: (r: BackupRunRow) => boolean) => {
      const row = latest.filter((r) => r.kind === kind && match(r)).sort((a, b) => b.id - a.id)[0];
      return row ? runView(row) : null;
    };
    return (await this.visibleJobs(access)).map(({ job, site }) => ({
      name: job.name,
      site: { id: site.id, name: site.name },
      repository: job.repository,
      source: job.source.kind,
      schedule: job.schedule,
      timezone: job.timezone,
      drill: job.drill,
      lastBackup: last('backup', (r) => r.job === job.name),
      lastDrill: last('drill', (r) => r.job === job.name),
      lastCheck: last('check', (r) => r.repository === job.repository),
      may: { download: access.mayWrite(site), restoreToServer: access.isAdmin && access.principal.scope === 'write' },
    }));
  }

  async job(access: Access, name: string): Promise<JobView> {
    const found = (await this.jobs(access)).find((j) => j.name === name);
    if (!found) throw new AppError('not_found', `backup job ${name} does not exist`);
    return found;
  }

  /** A job's backups, drills and restores, newest first. */
  async jobRuns(access: Access, name: string, page: { kinds: BackupRunKind[]; limit: number; before?: number | undefined }): Promise<RunView[]> {
    await this.jobFor(access, name);
    return (await this.runs.runs({ job: name, ...page })).map(runView);
  }

  /** A repository's checks, newest first: for those who reach a job that uses it (or the whole instance). */
  async checks(access: Access, repository: string, page: { limit: number; before?: number | undefined }): Promise<RunView[]> {
    const config = this.deps.current();
    if (!config || !BackupJobsService.reachable(access, config, await this.visibleJobs(access)).includes(repository))
      throw new AppError('not_found', `repository ${repository} does not exist`);
    return (await this.runs.runs({ repository, kinds: ['check'], ...page })).map(runView);
  }

  private async withJobRepository<T>(
    access: Access,
    name: string,
    work: (repo: Repository, snapshots: Snapshot[], hold: () => () => void, job: BackupJobConfig, site: SiteRef) => Promise<T>,
  ): Promise<T> {
    const { job, site, config } = await this.jobFor(access, name);
    return this.deps.repositories.use(job.repository, config.repositories[job.repository]!, async (repo, hold) => {
      const snapshots = (await listSnapshots(repo)).filter((s) => s.tags?.includes(jobTag(job.name)));
      return work(repo, snapshots, hold, job, site);
    });
  }

  /** A job's snapshots, newest first. */
  async snapshots(access: Access, name: string): Promise<(SnapshotView & { rowCounts: Record<string, number> | null })[]> {
    return this.withJobRepository(access, name, async (_repo, snapshots) =>
      snapshots.reverse().map((s) => ({ ...snapshotView(s), rowCounts: rowCountsOf(s.tags) ?? null })),
    );
  }

  private static pick(snapshots: Snapshot[], ref: string): Snapshot {
    const matches = snapshots.filter((s) => s.id.startsWith(ref.toLowerCase()));
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0 || ref.length < 4) throw new AppError('not_found', `snapshot ${ref} does not exist`);
    throw new AppError('invalid_input', `snapshot ${ref} is ambiguous: give more of its id`);
  }

  async tree(access: Access, name: string, ref: string, path: string): Promise<{ snapshot: SnapshotView; path: string; entries: TreeEntry[] }> {
    return this.withJobRepository(access, name, async (repo, snapshots) => {
      const snapshot = BackupJobsService.pick(snapshots, ref);
      return { snapshot: snapshotView(snapshot), path, entries: await listFolder(repo, snapshot.tree, path) };
    });
  }

  async search(access: Access, name: string, ref: string, query: string, limit: number) {
    return this.withJobRepository(access, name, async (repo, snapshots) => {
      const snapshot = BackupJobsService.pick(snapshots, ref);
      return { snapshot: snapshotView(snapshot), query, ...(await searchNames(repo, snapshot.tree, query, limit)) };
    });
  }

  /** A tar stream of chosen paths (or the whole snapshot): for editors of the job's site. */
  async archive(access: Access, name: string, ref: string, paths: string[]): Promise<{ stream: Readable; filename: string }> {
    return this.withJobRepository(access, name, async (repo, snapshots, hold, job, site) => {
      if (!access.mayWrite(site))
        throw new AppError('forbidden', 'restoring needs the editor role on the site and a token that may write; viewers may only browse');
      const snapshot = BackupJobsService.pick(snapshots, ref);
      await assertPaths(repo, snapshot.tree, paths);
      const release = hold();
      const stream = tarArchive(repo, snapshot.tree, paths, this.deps.log.child({ job: job.name, snapshot: snapshot.id }));
      stream.once('close', release);
      return { stream, filename: `${job.name}-${snapshot.id.slice(0, 8)}.tar` };
    });
  }

  /** Restores chosen paths (or the whole snapshot) into a new folder below `backups.restoreRoot`: admins and owners only. */
  async restoreToServer(
    access: Access,
    name: string,
    ref: string,
    request: { paths: string[]; target: string },
  ): Promise<RestoreStats & { target: string; snapshotId: string }> {
    access.requireAdmin();
    const root = this.deps.current()?.restoreRoot;
    return this.withJobRepository(access, name, async (repo, snapshots, _hold, job) => {
      const snapshot = BackupJobsService.pick(snapshots, ref);
      if (root === undefined)
        throw new AppError('conflict', 'restores onto the server need backups.restoreRoot in upkeep.yaml: the folder restores may write below');
      await assertPaths(repo, snapshot.tree, request.paths);
      const target = await restoreTarget(root, request.target, this.deps.protectedPaths);
      if (this.restoring.has(target)) throw new AppError('conflict', `another restore is writing into ${request.target}; choose another folder`);
      this.restoring.add(target);
      try {
        return await this.restoreInto(repo, snapshot, job, target, request.paths, access);
      } finally {
        this.restoring.delete(target);
      }
    });
  }

  /** Restores `paths` (or everything) of a snapshot into `target`, and keeps the restore in the job's history with who made it. */
  private async restoreInto(
    repo: Repository,
    snapshot: Snapshot,
    job: BackupJobConfig,
    target: string,
    paths: string[],
    access: Access,
  ): Promise<RestoreStats & { target: string; snapshotId: string }> {
    const startedAt = this.deps.clock.now();
    const log = this.deps.log.child({ job: job.name, snapshot: snapshot.id, target });
    const total: RestoreStats = { files: 0, dirs: 0, symlinks: 0, bytes: 0, refused: [] };
    for (const include of paths.length ? paths : [undefined]) {
      const stats = await restoreTree(repo, snapshot.tree, target, { log, ...(include === undefined ? {} : { include }) });
      total.files += stats.files;
      total.dirs += stats.dirs;
      total.symlinks += stats.symlinks;
      total.bytes += stats.bytes;
      total.refused.push(...stats.refused);
    }
    const message = `${access.principal.label} restored ${paths.length ? paths.join(', ') : 'everything'} of ${snapshot.id.slice(0, 8)} to ${target}: ${total.files} files, ${total.bytes} bytes`;
    await this.runs.recordRun({
      kind: 'restore',
      job: job.name,
      repository: job.repository,
      started_at: startedAt,
      finished_at: this.deps.clock.now(),
      ok: total.refused.length === 0 ? 1 : 0,
      message,
      snapshot_id: snapshot.id,
    });
    log.info({ files: total.files, bytes: total.bytes, refused: total.refused.length }, 'restored onto the server');
    return { ...total, target, snapshotId: snapshot.id };
  }
}
