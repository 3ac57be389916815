import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { movableBuffer } from '../owned-buffers.js';

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
  read: readLocalFile,
};

const readSize = 1024 * 1024;

/**
 * Reads in 1 MiB pieces sized to what the file holds, each in memory of its own that the backup's
 * worker pool can take without copying. Reads go on past the size seen at the start, until the end.
 */
async function* readLocalFile(path: string): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    let left = (await file.stat()).size;
    for (;;) {
      const buf = movableBuffer(left > 0 ? Math.min(left, readSize) : 64 * 1024);
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
