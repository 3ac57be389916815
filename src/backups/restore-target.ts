import { lstat, mkdir, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../lib/errors.js';
import { isSafeName } from './restore.js';

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/** Refuses a restore root that holds Upkeep's own files or lies inside them: a restore must never reach them. */
export async function checkRestoreRoot(root: string, protectedPaths: readonly string[]): Promise<string> {
  const real = await realpath(root).catch((err: unknown) =>
    Promise.reject(new AppError('conflict', `the restore root ${root} (backups.restoreRoot) does not exist; make it first`, { cause: err })),
  );
  for (const path of protectedPaths) {
    const other = await realpath(path).catch(() => undefined);
    if (other && (inside(other, real) || inside(real, other)))
      throw new AppError('conflict', `the restore root ${root} overlaps ${path}, which holds Upkeep's own files; choose a folder apart from it`);
  }
  return real;
}

/**
 * The folder a restore to the server writes into: `target` is relative to the restore root, every
 * folder on the way is a real folder (never a symlink, which a snapshot restored earlier may have
 * planted), and the target is new or empty, so nothing that exists is ever overwritten.
 *
 * @example const dir = await restoreTarget('/srv/restores', 'shop/2026-12-06', [dataDir])
 */
export async function restoreTarget(root: string, target: string, protectedPaths: readonly string[]): Promise<string> {
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  const bad = (why: string) => new AppError('invalid_input', `target: ${why}`, { details: [{ path: 'target', message: why }] });
  if (isAbsolute(target) || parts.length === 0 || parts.some((p) => !isSafeName(p)))
    throw bad(`expected a folder below the restore root like "shop/2026-12-06" (no "..", not absolute), got ${JSON.stringify(target)}`);
  if (parts.some((p) => Buffer.byteLength(p) > 255)) throw bad('a folder name is longer than 255 bytes, more than file systems allow');
  let dir = await checkRestoreRoot(root, protectedPaths);
  for (const part of parts) {
    dir = join(dir, part);
    await mkdir(dir, { mode: 0o750 }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new AppError('conflict', `cannot make the folder ${dir} to restore into (${code ?? 'error'})`, { cause: err });
    });
    const st = await lstat(dir);
    if (!st.isDirectory())
      throw bad(`${relative(root, dir) || '.'} is ${st.isSymbolicLink() ? 'a symlink' : 'not a folder'}; restores go only into real folders`);
  }
  if ((await readdir(dir)).length > 0) throw bad(`${target} is not empty; restore into a new or empty folder, so nothing there is overwritten`);
  return dir;
}
