import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** The metadata restic keeps for an entry, whatever file system it was read from. */
export interface EntryStat {
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  atimeNs: bigint;
  ctimeNs: bigint;
  ino: number;
  dev: number;
  nlink: number;
}

/**
 * The read-only file system a backup walks: the local disk, or a remote one over SFTP.
 * Paths are POSIX and absolute.
 */
export interface SourceFs {
  lstat(path: string): Promise<EntryStat>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  read(path: string): AsyncIterable<Uint8Array>;
}

/** The entry kind encoded in a POSIX st_mode. */
export function entryKindOf(mode: number): EntryKind {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

export const localFs: SourceFs = {
  async lstat(path) {
    const st = await lstat(path, { bigint: true });
    const mode = Number(st.mode);
    return {
      kind: entryKindOf(mode),
      mode,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: Number(st.size),
      mtimeNs: st.mtimeNs,
      atimeNs: st.atimeNs,
      ctimeNs: st.ctimeNs,
      ino: Number(st.ino),
      dev: Number(st.dev),
      nlink: Number(st.nlink),
    };
  },
  readdir: (path) => readdir(path),
  readlink: (path) => readlink(path),
  read: (path) => createReadStream(path, { highWaterMark: 1024 * 1024 }),
};
