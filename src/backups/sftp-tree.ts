import { posix } from 'node:path';
import { promisify } from 'node:util';
import { lstatIfThere, type SftpSession } from './sftp-connection.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

export const isDirMode = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;

/** `mkdir -p` over SFTP: each missing folder of an absolute path, with `mode`. */
export async function makeDirs(sftp: SftpSession, path: string, mode = 0o755): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    const st = await lstatIfThere(sftp, dir);
    if (st) continue;
    await promisify(sftp.raw.mkdir.bind(sftp.raw) as (p: string, a: { mode: number }, cb: (err?: Error) => void) => void)(dir, { mode });
  }
}

/** `rm -rf` over SFTP; links are removed, never followed. A missing path is already gone. */
export async function removeTree(sftp: SftpSession, path: string): Promise<void> {
  const st = await lstatIfThere(sftp, path);
  if (!st) return;
  if (!isDirMode(st.mode)) return sftp.unlink(path);
  for (const name of await sftp.readdir(path)) await removeTree(sftp, posix.join(path, name));
  await promisify(sftp.raw.rmdir.bind(sftp.raw))(path);
}

/** Writes a whole file over SFTP (created or truncated) with `mode`. */
export function writeRemoteFile(sftp: SftpSession, path: string, data: Uint8Array, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = sftp.raw.createWriteStream(path, { flags: 'w', mode });
    out.on('error', reject);
    out.on('close', () => resolve());
    out.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}
