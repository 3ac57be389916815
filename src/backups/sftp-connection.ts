import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import SftpClient from 'ssh2-sftp-client';
import type { SFTPWrapper, Stats } from 'ssh2';
import { z } from 'zod';
import { AppError, describeError } from '../lib/errors.js';

export const sftpConnectionFields = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  /** Arrives as a `${ENV}` reference; never logged. */
  password: z.string().optional(),
  privateKeyPath: z.string().optional(),
  /** SHA-256 of the server's host key (base64, as `ssh-keygen -lf` prints it without the prefix); checked when set. */
  hostKeySha256: z.string().optional(),
};
export type SftpConnectionConfig = z.output<z.ZodObject<typeof sftpConnectionFields>>;

/** The promise form of the SFTP calls Upkeep needs, on one open session. */
export interface SftpSession {
  lstat(path: string): Promise<Stats>;
  stat(path: string): Promise<Stats>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  raw: SFTPWrapper;
  close(): Promise<void>;
}

export async function openSftp(config: SftpConnectionConfig): Promise<SftpSession> {
  const client = new SftpClient('upkeep');
  const privateKey = config.privateKeyPath === undefined ? undefined : await readFile(config.privateKeyPath);
  const raw = await client
    .connect({
      host: config.host,
      port: config.port,
      username: config.username,
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(privateKey === undefined ? {} : { privateKey }),
      ...(config.hostKeySha256 === undefined
        ? {}
        : {
            hostVerifier: (key: Buffer) =>
              createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === config.hostKeySha256!.replace(/^SHA256:/, '').replace(/=+$/, ''),
          }),
      readyTimeout: 15_000,
    })
    .catch((err: unknown) =>
      Promise.reject(
        new AppError('unavailable', `cannot open SFTP to ${config.username}@${config.host}:${config.port}: ${describeError(err)}`, { cause: err }),
      ),
    );
  return {
    lstat: promisify(raw.lstat.bind(raw)),
    stat: promisify(raw.stat.bind(raw)),
    readdir: async (path) => (await promisify(raw.readdir.bind(raw))(path)).map((e) => e.filename).filter((n) => n !== '.' && n !== '..'),
    readlink: promisify(raw.readlink.bind(raw)),
    mkdir: (path) => promisify(raw.mkdir.bind(raw) as (p: string, cb: (err?: Error) => void) => void)(path),
    rename: promisify(raw.rename.bind(raw)),
    unlink: promisify(raw.unlink.bind(raw)),
    raw,
    close: async () => void (await client.end()),
  };
}

/** SFTP status 2 is "no such file". */
export function isSftpMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === 2;
}
