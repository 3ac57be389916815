import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { AppError, describeError } from '../../lib/errors.js';
import { isSftpMissing, openSftp, sftpConnectionFields, type SftpSession } from '../sftp-connection.js';
import { isStorageName, layoutFolders, relativePath, type Backend, type FileHandle, type FileInfo, type FileType } from './types.js';

export const sftpBackendSchema = z.object({ kind: z.literal('sftp'), ...sftpConnectionFields, path: z.string().startsWith('/') }).strict();
export type SftpBackendConfig = z.infer<typeof sftpBackendSchema>;

/** A repository on any SSH server, in the same layout restic's own sftp backend uses. */
export class SftpBackend implements Backend {
  readonly location: string;
  private session: Promise<SftpSession> | undefined;

  constructor(private readonly config: SftpBackendConfig) {
    this.location = `sftp:${config.username}@${config.host}:${config.path}`;
  }

  private connect(): Promise<SftpSession> {
    this.session ??= openSftp(this.config);
    return this.session;
  }

  private path(handle: FileHandle): string {
    return posix.join(this.config.path, relativePath(handle));
  }

  async prepare(): Promise<void> {
    const s = await this.connect();
    const parts = this.config.path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) await s.mkdir(`/${parts.slice(0, i).join('/')}`).catch(() => undefined);
    for (const folder of [...layoutFolders(), 'tmp']) await s.mkdir(posix.join(this.config.path, folder)).catch(() => undefined);
  }

  async exists(handle: FileHandle): Promise<boolean> {
    const s = await this.connect();
    return s.stat(this.path(handle)).then(
      () => true,
      (err: unknown) => {
        if (isSftpMissing(err)) return false;
        throw err;
      },
    );
  }

  async save(handle: FileHandle, data: Buffer): Promise<void> {
    const s = await this.connect();
    const temp = posix.join(this.config.path, 'tmp', `${handle.name || 'config'}-${randomBytes(6).toString('hex')}`);
    await new Promise<void>((resolve, reject) => {
      const out = s.raw.createWriteStream(temp, { flags: 'wx', mode: 0o600 });
      out.on('error', reject);
      out.on('close', () => resolve());
      out.end(data);
    });
    await this.rename(s, temp, this.path(handle));
  }

  /** OpenSSH's posix-rename replaces an existing file, as the other backends do; plain SFTP rename refuses to. */
  private async rename(s: SftpSession, from: string, to: string): Promise<void> {
    if (!s.raw.ext_openssh_rename) return s.rename(from, to);
    await promisify(s.raw.ext_openssh_rename.bind(s.raw))(from, to);
  }

  async load(handle: FileHandle, offset = 0, length?: number): Promise<Buffer> {
    const s = await this.connect();
    const path = this.path(handle);
    let start = offset;
    if (offset < 0) {
      const size = (
        await s.stat(path).catch((err: unknown) => {
          throw missing(handle, err);
        })
      ).size;
      start = Math.max(0, size + offset);
    }
    const parts: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const input = s.raw.createReadStream(path, { start, ...(length === undefined ? {} : { end: start + length - 1 }) });
      input.on('data', (chunk: Buffer) => parts.push(chunk));
      input.on('error', (err: unknown) => reject(missing(handle, err)));
      input.on('end', () => resolve());
    });
    return Buffer.concat(parts);
  }

  async list(type: Exclude<FileType, 'config'>): Promise<FileInfo[]> {
    const s = await this.connect();
    const base = posix.join(this.config.path, type);
    const folders = type === 'data' ? (await this.readdir(s, base, type)).map((d) => posix.join(base, d)) : [base];
    const out: FileInfo[] = [];
    for (const folder of folders) {
      for (const name of await this.readdir(s, folder, type)) {
        if (isStorageName(name)) out.push({ name, size: (await s.stat(posix.join(folder, name))).size });
      }
    }
    return out;
  }

  /** A missing folder lists as empty (nothing was written there yet); any other failure is an error, never "no files". */
  private async readdir(s: SftpSession, folder: string, type: FileType): Promise<string[]> {
    return s.readdir(folder).catch((err: unknown) => {
      if (isSftpMissing(err)) return [];
      throw new AppError('unavailable', `cannot list ${type} in ${this.location}: ${describeError(err)}`, { cause: err });
    });
  }

  async remove(handle: FileHandle): Promise<void> {
    const s = await this.connect();
    await s.unlink(this.path(handle)).catch((err: unknown) => {
      if (!isSftpMissing(err)) throw err;
    });
  }

  async close(): Promise<void> {
    if (this.session) await (await this.session).close();
    this.session = undefined;
  }
}

function missing(handle: FileHandle, err: unknown): Error {
  if (isSftpMissing(err)) return new AppError('not_found', `repository file ${relativePath(handle)} does not exist`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
