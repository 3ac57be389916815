import { constants, createReadStream } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { promisify } from 'node:util';
import { lstatIfThere, type SftpSession } from './sftp-connection.js';
import { removeTree, writeRemoteFile } from './sftp-tree.js';

export interface PlaceStat {
  kind: 'dir' | 'file' | 'symlink' | 'other';
  size: number;
  /** Whole seconds: SFTP knows no finer. */
  mtimeS: number;
  perm: number;
}

/**
 * The live folders a snapshot goes back into: this machine's or an SFTP server's. Only what an
 * in-place restore needs; links are never followed.
 */
export interface PlaceFs {
  lstat(path: string): Promise<PlaceStat | undefined>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  mkdir(path: string): Promise<void>;
  writeFile(path: string, data: Buffer): Promise<void>;
  read(path: string): AsyncIterable<Buffer>;
  symlink(target: string, path: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Permissions, owner (when allowed) and times, as the snapshot has them. Links keep their own. */
  setMeta(path: string, meta: { perm: number; uid: number; gid: number; atime: number; mtime: number }, isLink: boolean): Promise<void>;
}

const kindOf = (mode: number): PlaceStat['kind'] => {
  const type = mode & 0o170000;
  return type === 0o040000 ? 'dir' : type === 0o100000 ? 'file' : type === 0o120000 ? 'symlink' : 'other';
};

const asRoot = process.getuid?.() === 0;

export const localPlace: PlaceFs = {
  lstat: async (path) => {
    const st = await lstat(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    return st && { kind: kindOf(st.mode), size: st.size, mtimeS: Math.floor(st.mtimeMs / 1000), perm: st.mode & 0o7777 };
  },
  readdir: (path) => readdir(path),
  readlink: (path) => readlink(path),
  mkdir: async (path) => void (await mkdir(path, { mode: 0o700 })),
  async writeFile(path, data) {
    const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      await file.writeFile(data);
    } finally {
      await file.close();
    }
  },
  read: (path) => createReadStream(path),
  symlink: (target, path) => symlink(target, path),
  remove: (path) => rm(path, { recursive: true, force: true }),
  async setMeta(path, meta, isLink) {
    if (asRoot) await lchown(path, meta.uid, meta.gid).catch(() => undefined);
    if (isLink) return lutimes(path, meta.atime, meta.mtime);
    await chmod(path, meta.perm);
    await utimes(path, meta.atime, meta.mtime);
  },
};

/** The same over an SFTP session (the `sftp-dir` source's server). */
export function sftpPlace(sftp: SftpSession): PlaceFs {
  const raw = sftp.raw;
  return {
    lstat: async (path) => {
      const st = await lstatIfThere(sftp, path);
      return st && { kind: kindOf(st.mode), size: st.size, mtimeS: st.mtime, perm: st.mode & 0o7777 };
    },
    readdir: (path) => sftp.readdir(path),
    readlink: (path) => sftp.readlink(path),
    mkdir: (path) => sftp.mkdir(path),
    writeFile: (path, data) => writeRemoteFile(sftp, path, data, 0o600),
    read: (path) => {
      const stream = raw.createReadStream(path);
      // A reader that stops early (the content already differs) leaves a read in flight; ssh2 emits its
      // late failure ("No response from server" when the session closes) as an 'error' nobody hears any more.
      stream.on('error', () => undefined);
      return stream as AsyncIterable<Buffer>;
    },
    symlink: (target, path) => promisify(raw.symlink.bind(raw))(target, path),
    remove: (path) => removeTree(sftp, path),
    async setMeta(path, meta, isLink) {
      if (isLink) return;
      await promisify(raw.setstat.bind(raw))(path, { mode: meta.perm, atime: meta.atime, mtime: meta.mtime });
      // Owners can be set back only by an account allowed to; the restored bytes and permissions do not depend on it.
      await promisify(raw.setstat.bind(raw))(path, { uid: meta.uid, gid: meta.gid }).catch(() => undefined);
    },
  };
}
