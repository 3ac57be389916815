import { constants } from 'node:fs';
import { lchown, lstat, lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ProgressTracker } from './progress.js';
import type { Repository } from './repository/repository.js';
import { decodeTree, parseTime, posixPermissions, type NodeJson } from './repository/tree.js';

export interface RestoreStats {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  /** Entries refused because their name or position could escape the target, with the reason. */
  refused: string[];
}

export interface RestoreOptions {
  /** Restore only this path of the snapshot (and what is below it), keeping restic's layout. */
  include?: string;
  progress?: ProgressTracker;
  log: Logger;
}

/** A name that cannot leave its folder: no separators, no NUL, not `.` or `..`, not empty. */
export function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0');
}

const asRoot = process.getuid?.() === 0;

/**
 * Restores a tree below `target` the way `restic restore` lays it out. Every folder is created by us
 * and checked not to be a symlink before anything goes in, files are opened with O_NOFOLLOW, and
 * entries with unsafe or duplicate names are refused, so a crafted snapshot cannot write outside.
 */
export async function restoreTree(repo: Repository, treeId: string, target: string, options: RestoreOptions): Promise<RestoreStats> {
  const stats: RestoreStats = { files: 0, dirs: 0, symlinks: 0, bytes: 0, refused: [] };
  const root = resolve(target);
  await mkdir(root, { recursive: true });
  await assertRealDir(root);
  const include = options.include?.split('/').filter(Boolean) ?? [];
  await restoreDir(repo, treeId, root, '', include, stats, options);
  return stats;
}

/** Files and bytes a restore of `include` (or everything) will write, for its progress: reads the trees, not the data. */
export async function restoreSize(repo: Repository, treeId: string, include?: string): Promise<{ files: number; bytes: number }> {
  const total = { files: 0, bytes: 0 };
  const walk = async (id: string, [wanted, ...rest]: string[]): Promise<void> => {
    for (const node of decodeTree(await repo.loadBlob(id)).nodes) {
      if (wanted !== undefined && node.name !== wanted) continue;
      if (node.type === 'dir' && node.subtree) await walk(node.subtree, rest);
      else if (node.type === 'file' && rest.length === 0) {
        total.files += 1;
        total.bytes += node.size ?? 0;
      }
    }
  };
  await walk(treeId, include?.split('/').filter(Boolean) ?? []);
  return total;
}

async function assertRealDir(path: string): Promise<void> {
  const st = await lstat(path);
  if (!st.isDirectory()) throw new AppError('forbidden', `refusing to restore into ${path}: it is not a plain folder`);
}

async function restoreDir(
  repo: Repository,
  treeId: string,
  dir: string,
  shown: string,
  include: string[],
  stats: RestoreStats,
  options: RestoreOptions,
): Promise<void> {
  const tree = decodeTree(await repo.loadBlob(treeId));
  const seen = new Set<string>();
  const [wanted, ...rest] = include;
  // Symlinks go last, so nothing of this folder is written after a link that could point away.
  const ordered = [...tree.nodes.filter((n) => n.type !== 'symlink'), ...tree.nodes.filter((n) => n.type === 'symlink')];
  for (const node of ordered) {
    const label = `${shown}/${node.name}`;
    if (!isSafeName(node.name)) {
      stats.refused.push(`${JSON.stringify(label)}: unsafe name`);
      continue;
    }
    if (seen.has(node.name)) {
      stats.refused.push(`${label}: duplicate name`);
      continue;
    }
    seen.add(node.name);
    if (wanted !== undefined && node.name !== wanted) continue;
    const path = join(dir, node.name);
    if (node.type === 'dir') {
      if (!node.subtree) throw new AppError('invalid_input', `folder ${label} has no subtree`);
      await mkdir(path).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      });
      await assertRealDir(path);
      await restoreDir(repo, node.subtree, path, label, rest, stats, options);
      await applyMetadata(path, node, false);
      stats.dirs += 1;
    } else if (rest.length > 0) {
      continue;
    } else if (node.type === 'file') {
      await restoreFile(repo, node, path, stats, options);
    } else if (node.type === 'symlink') {
      await symlink(node.linktarget ?? '', path);
      await applyMetadata(path, node, true);
      stats.symlinks += 1;
    } else {
      stats.refused.push(`${label}: ${node.type} entries are not restored`);
    }
  }
}

async function restoreFile(repo: Repository, node: NodeJson, path: string, stats: RestoreStats, options: RestoreOptions): Promise<void> {
  const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    for (const id of node.content ?? []) {
      const data = await repo.loadBlob(id);
      await file.write(data);
      stats.bytes += data.length;
      options.progress?.addBytes(data.length);
    }
  } finally {
    await file.close();
  }
  await applyMetadata(path, node, false);
  stats.files += 1;
  options.progress?.fileDone();
}

async function applyMetadata(path: string, node: NodeJson, isLink: boolean): Promise<void> {
  if (asRoot) await lchown(path, node.uid, node.gid).catch(() => undefined);
  if (!isLink) {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      await handle.chmod(posixPermissions(node.mode));
    } finally {
      await handle.close();
    }
  }
  const atime = parseTime(node.atime);
  const mtime = parseTime(node.mtime);
  await (isLink ? lutimes(path, atime, mtime) : utimes(path, atime, mtime));
}
