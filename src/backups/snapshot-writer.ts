import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { Archiver, type ArchiveStats } from './archive/archiver.js';
import { localFs, type EntryStat, type SourceFs } from './archive/source-fs.js';
import { BlobPool } from './pool/blob-pool.js';
import type { ProgressTracker } from './progress.js';
import type { SnapshotJson } from './repository/format.js';
import { withLock } from './repository/locks.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots, sameSet } from './repository/snapshots.js';

export interface SnapshotOptions {
  log: Logger;
  tags?: string[];
  host?: string;
  progress?: ProgressTracker;
  /** The worker threads to use (started by the backup when omitted); the backup stops them when it ends. */
  pool?: BlobPool;
}

export interface SnapshotResult {
  snapshotId: string;
  parent: string | undefined;
  stats: ArchiveStats;
}

/**
 * Backs up paths into a new snapshot: packs, then index, then the snapshot file, the order restic's
 * design requires so that an interruption at any point leaves a consistent repository.
 *
 * @example await snapshotPaths(repo, ['/var/www'], { log })
 */
export async function snapshotPaths(repo: Repository, paths: string[], options: SnapshotOptions, fs: SourceFs = localFs): Promise<SnapshotResult> {
  const absolute = fs === localFs ? paths.map((p) => resolve(p)) : paths;
  return writeSnapshot(repo, absolute, options, (archiver, parentTree) => archiver.archive(absolute, parentTree), fs);
}

/** Backs up one stream (a dump, a command's output) as the single file `name` of a new snapshot. */
export async function snapshotStream(repo: Repository, name: string, stream: AsyncIterable<Uint8Array>, options: SnapshotOptions): Promise<SnapshotResult> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const st: EntryStat = {
    kind: 'file',
    mode: 0o100600,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    size: 0,
    mtimeNs: now,
    atimeNs: now,
    ctimeNs: now,
    ino: 0,
    dev: 0,
    nlink: 1,
  };
  return writeSnapshot(repo, [`/${name}`], options, (archiver) => archiver.archiveStream(name, stream, st), localFs);
}

async function writeSnapshot(
  repo: Repository,
  paths: string[],
  options: SnapshotOptions,
  run: (archiver: Archiver, parentTree: string | undefined) => Promise<string>,
  fs: SourceFs,
): Promise<SnapshotResult> {
  const host = options.host ?? hostname();
  return withLock(repo, false, async () => {
    const parent = (await listSnapshots(repo)).filter((s) => s.hostname === host && sameSet(s.paths, paths)).at(-1);
    const pool = options.pool ?? BlobPool.start(repo);
    const archiver = new Archiver(repo, pool, fs, options.log, options.progress);
    const before = { ...repo.added };
    try {
      const tree = await run(archiver, parent?.tree);
      await pool.flush();
      await repo.flush();
      const snapshot: SnapshotJson = {
        time: new Date().toISOString(),
        ...(parent ? { parent: parent.id } : {}),
        tree,
        paths,
        hostname: host,
        username: userInfo().username,
        uid: process.getuid?.() ?? 0,
        gid: process.getgid?.() ?? 0,
        ...(options.tags && options.tags.length > 0 ? { tags: options.tags } : {}),
        program_version: 'upkeep',
      };
      const snapshotId = await repo.saveUnpacked('snapshots', snapshot);
      const stats = { ...archiver.stats, blobsAdded: repo.added.blobs - before.blobs, bytesAdded: repo.added.bytes - before.bytes };
      return { snapshotId, parent: parent?.id, stats };
    } catch (err) {
      // Nothing may still write when the lock goes: stop the workers, then let reads and uploads finish failing.
      await pool.close();
      await archiver.settle();
      await repo.settle();
      throw err;
    } finally {
      await pool.close();
    }
  });
}
