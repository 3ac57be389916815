import { posix } from 'node:path';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { jobTag, openRepository, rowCountsOf } from './backup.service.js';
import type { BackupJobConfig, RepositoryConfig } from './config.js';
import { cryptoOverhead, sha256Hex } from './crypto.js';
import { localPlace, sftpPlace, type PlaceFs } from './place-fs.js';
import { withLock } from './repository/locks.js';
import type { Repository } from './repository/repository.js';
import { findSnapshot } from './repository/snapshots.js';
import { decodeTree, parseTime, posixPermissions, type NodeJson } from './repository/tree.js';
import { isSafeName } from './restore.js';
import { openSftp } from './sftp-connection.js';
import { sourceTypeOf } from './sources/registry.js';

export interface InPlaceStats {
  /** Files, folders and links written because they differed or were missing. */
  written: number;
  /** Entries that were not in the snapshot and were removed. */
  removed: number;
  /** Files whose every byte was read back and found equal to the snapshot. */
  verified: number;
  bytesVerified: number;
  /** Database sources: row count of every table after the load, equal to those at backup. */
  rowCounts?: Record<string, number>;
}

/** Whether a job's source can be put back where it was read from (else a run needs a rollback command). */
export const restorableInPlace = (job: BackupJobConfig): boolean =>
  job.source.kind === 'dir' || job.source.kind === 'sftp-dir' || sourceTypeOf(job.source).replace !== undefined;

const metaOf = (node: NodeJson) => ({
  perm: posixPermissions(node.mode),
  uid: node.uid,
  gid: node.gid,
  atime: parseTime(node.atime),
  mtime: parseTime(node.mtime),
});

/** The node a snapshot keeps for an absolute path (restic stores /var/www/site as var → www → site). */
async function nodeAt(repo: Repository, treeId: string, path: string): Promise<NodeJson> {
  let tree = treeId;
  const parts = path.split('/').filter(Boolean);
  for (const [i, part] of parts.entries()) {
    const node = decodeTree(await repo.loadBlob(tree)).nodes.find((n) => n.name === part);
    if (!node) throw new AppError('not_found', `the snapshot has no ${path}`);
    if (i === parts.length - 1) return node;
    if (!node.subtree) throw new AppError('invalid_input', `${parts.slice(0, i + 1).join('/')} is not a folder in the snapshot`);
    tree = node.subtree;
  }
  throw new AppError('invalid_input', 'cannot restore the root folder in place');
}

/** Whether a live file holds exactly the snapshot's bytes: each piece hashed against its blob id. */
async function sameContent(repo: Repository, fs: PlaceFs, node: NodeJson, path: string): Promise<boolean> {
  const lengths = (node.content ?? []).map((id) => {
    const where = repo.index.get(id);
    if (!where) throw new AppError('internal', `blob ${id} of ${path} is not indexed`);
    return where.uncompressedLength ?? where.length - cryptoOverhead;
  });
  let index = 0;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of fs.read(path)) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (index < lengths.length && pending.length >= lengths[index]!) {
      if (sha256Hex(pending.subarray(0, lengths[index])) !== node.content![index]) return false;
      pending = pending.subarray(lengths[index]);
      index += 1;
    }
    if (index === lengths.length && pending.length > 0) return false;
  }
  return index === lengths.length && pending.length === 0;
}

/**
 * Makes a live folder equal to a snapshot's folder: missing or different entries written, entries
 * the snapshot does not have removed, then every file read back and compared with the snapshot's
 * blob ids (a file whose size and time matched but whose bytes did not is written and checked
 * again). Refuses entries with unsafe names, like every restore.
 */
/** With `checkOnly`, changes nothing and returns the entries that differ. */
async function syncDir(repo: Repository, fs: PlaceFs, treeId: string, dir: string, stats: InPlaceStats, checkOnly: boolean): Promise<string[]> {
  const nodes = decodeTree(await repo.loadBlob(treeId)).nodes.filter((n) => isSafeName(n.name) && ['dir', 'file', 'symlink'].includes(n.type));
  const wanted = new Set(nodes.map((n) => n.name));
  const differing: string[] = [];
  for (const name of await fs.readdir(dir)) {
    if (wanted.has(name)) continue;
    if (checkOnly) differing.push(posix.join(dir, name));
    else {
      await fs.remove(posix.join(dir, name));
      stats.removed += 1;
    }
  }
  for (const node of nodes) {
    const path = posix.join(dir, node.name);
    let live = await fs.lstat(path);
    if (live && live.kind !== node.type) {
      if (checkOnly) {
        differing.push(path);
        continue;
      }
      await fs.remove(path);
      stats.removed += 1;
      live = undefined;
    }
    if (node.type === 'dir') {
      if (!live) {
        if (checkOnly) {
          differing.push(path);
          continue;
        }
        await fs.mkdir(path);
        stats.written += 1;
      }
      differing.push(...(await syncDir(repo, fs, node.subtree!, path, stats, checkOnly)));
      if (!checkOnly) await fs.setMeta(path, metaOf(node), false);
    } else if (node.type === 'symlink') {
      if (live && (await fs.readlink(path)) === (node.linktarget ?? '')) continue;
      if (checkOnly) {
        differing.push(path);
        continue;
      }
      if (live) await fs.remove(path);
      await fs.symlink(node.linktarget ?? '', path);
      await fs.setMeta(path, metaOf(node), true);
      stats.written += 1;
    } else {
      const meta = metaOf(node);
      const looksSame = live && live.size === (node.size ?? 0) && live.mtimeS === Math.floor(meta.mtime) && live.perm === meta.perm;
      if (checkOnly || looksSame) {
        if (live && (await sameContent(repo, fs, node, path))) {
          stats.verified += 1;
          stats.bytesVerified += node.size ?? 0;
          continue;
        }
        if (checkOnly) {
          differing.push(path);
          continue;
        }
      }
      const parts: Buffer[] = [];
      for (const id of node.content ?? []) parts.push(await repo.loadBlob(id));
      await fs.writeFile(path, Buffer.concat(parts));
      await fs.setMeta(path, meta, false);
      stats.written += 1;
    }
  }
  return differing;
}

/** Puts one snapshot path back where it was and proves it: written, then compared byte for byte. */
async function restorePath(repo: Repository, fs: PlaceFs, rootTree: string, path: string, stats: InPlaceStats): Promise<void> {
  const node = await nodeAt(repo, rootTree, path);
  if (node.type !== 'dir' || !node.subtree) throw new AppError('invalid_input', `${path} is not a folder in the snapshot; only folders are restored in place`);
  if ((await fs.lstat(path))?.kind !== 'dir') {
    await fs.remove(path);
    await fs.mkdir(path);
  }
  await syncDir(repo, fs, node.subtree, path, stats, false);
  await fs.setMeta(path, metaOf(node), false);
  // Files just written are read back like the rest; anything still different is a failed restore.
  const check: InPlaceStats = { written: 0, removed: 0, verified: 0, bytesVerified: 0 };
  const differing = await syncDir(repo, fs, node.subtree, path, check, true);
  if (differing.length) throw new AppError('internal', `after the restore ${differing.length} entries still differ from the snapshot, first: ${differing[0]!}`);
  stats.verified = check.verified;
  stats.bytesVerified = check.bytesVerified;
}

/**
 * Restores a backup job's snapshot in place: its folders (local or over SFTP) made equal to the
 * snapshot and checked byte for byte, or its database emptied and loaded from the dump, then its
 * tables' row counts compared with those taken at backup.
 *
 * @example await restoreInPlace(job, config.repositories[job.repository]!, snapshotId, { log })
 */
export async function restoreInPlace(job: BackupJobConfig, repoConfig: RepositoryConfig, snapshotId: string, ctx: { log: Logger }): Promise<InPlaceStats> {
  const repo = await openRepository(repoConfig, false);
  try {
    return await withLock(repo, false, async () => {
      const snapshot = await findSnapshot(repo, snapshotId);
      if (!snapshot.tags?.includes(jobTag(job.name))) throw new AppError('invalid_input', `snapshot ${snapshotId.slice(0, 8)} is not one of job ${job.name}'s`);
      const stats: InPlaceStats = { written: 0, removed: 0, verified: 0, bytesVerified: 0 };
      const source = job.source;
      if (source.kind === 'dir' || source.kind === 'sftp-dir') {
        const sftp = source.kind === 'sftp-dir' ? await openSftp(source) : undefined;
        try {
          const fs = sftp ? sftpPlace(sftp) : localPlace;
          for (const path of snapshot.paths) await restorePath(repo, fs, snapshot.tree, path, stats);
        } finally {
          await sftp?.close();
        }
        ctx.log.info({ job: job.name, snapshot: snapshot.id, ...stats }, 'restored in place');
        return stats;
      }
      const type = sourceTypeOf(source);
      if (!type.replace)
        throw new AppError('invalid_input', `job ${job.name}: a ${source.kind} source cannot be restored in place; declare a rollback command`);
      const node = await nodeAt(repo, snapshot.tree, snapshot.paths[0]!);
      async function* dump(): AsyncIterable<Uint8Array> {
        for (const id of node.content ?? []) yield await repo.loadBlob(id);
      }
      const rowCounts = await (await type.replace(source)).load(dump());
      const expected = rowCountsOf(snapshot.tags);
      const sorted = (c: Record<string, number>) => JSON.stringify(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)));
      if (expected && sorted(expected) !== sorted(rowCounts))
        throw new AppError('internal', `row counts differ after loading the dump: expected ${sorted(expected)}, got ${sorted(rowCounts)}`);
      ctx.log.info({ job: job.name, snapshot: snapshot.id, tables: Object.keys(rowCounts).length }, 'database restored in place');
      return { ...stats, rowCounts };
    });
  } finally {
    await repo.backend.close();
  }
}
