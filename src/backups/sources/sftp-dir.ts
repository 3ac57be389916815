import { z } from 'zod';
import { entryKindOf, type SourceFs } from '../archive/source-fs.js';
import { openSftp, sftpConnectionFields } from '../sftp-connection.js';
import type { SourceType } from './types.js';

export const sftpDirSourceSchema = z
  .object({ kind: z.literal('sftp-dir'), ...sftpConnectionFields, paths: z.array(z.string().startsWith('/')).min(1) })
  .strict();

/** SFTP reports times in whole seconds and has no inode, so unchanged-file detection relies on size and mtime. */
const seconds = (s: number): bigint => BigInt(s) * 1_000_000_000n;

/** A remote site's folders, read over SFTP without installing anything on the server. */
export const sftpDirSource = {
  kind: 'sftp-dir',
  configSchema: sftpDirSourceSchema,
  async open(config) {
    const session = await openSftp(config);
    const fs: SourceFs = {
      async lstat(path) {
        const st = await session.lstat(path);
        return {
          kind: entryKindOf(st.mode),
          mode: st.mode,
          uid: st.uid,
          gid: st.gid,
          size: st.size,
          mtimeNs: seconds(st.mtime),
          atimeNs: seconds(st.atime),
          ctimeNs: seconds(st.mtime),
          ino: 0,
          dev: 0,
          nlink: 1,
        };
      },
      readdir: (path) => session.readdir(path),
      readlink: (path) => session.readlink(path),
      read: (path) => session.raw.createReadStream(path, { highWaterMark: 256 * 1024 }),
    };
    return { kind: 'paths', fs, paths: config.paths, close: () => session.close() };
  },
} satisfies SourceType<typeof sftpDirSourceSchema>;
