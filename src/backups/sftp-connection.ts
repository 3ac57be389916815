import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import SftpClient from 'ssh2-sftp-client';
import type { ServerHostKeyAlgorithm, SFTPWrapper, Stats } from 'ssh2';
import { z } from 'zod';
import { AppError, describeError } from '../lib/errors.js';
import { algorithmsFor, announcePin, defaultKnownHostsFile, fingerprintOf, pinKey, pinnedKeys } from './known-hosts.js';

export const sftpConnectionFields = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  /** Arrives as a `${ENV}` reference; never logged. */
  password: z.string().optional(),
  privateKeyPath: z.string().optional(),
  /** SHA-256 of the server's host key (base64, as `ssh-keygen -lf` prints it without the prefix); checked when set. */
  hostKeySha256: z.string().optional(),
  /**
   * Without hostKeySha256, the server's key is pinned on first use in this OpenSSH known_hosts file
   * (default ~/.ssh/upkeep_known_hosts), and a different key is refused later.
   */
  knownHostsFile: z.string().min(1).optional(),
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

const bareFingerprint = (fp: string) => fp.replace(/^SHA256:/, '').replace(/=+$/, '');

/**
 * Opens an SFTP session, checking the server's host key: against `hostKeySha256` when given, else
 * against the key pinned for host:port in the known_hosts file, pinning the key seen on first use
 * (announced to `onHostKeyPinned` listeners). A key that differs is refused, naming both fingerprints.
 */
export async function openSftp(config: SftpConnectionConfig): Promise<SftpSession> {
  const client = new SftpClient('upkeep');
  const privateKey = config.privateKeyPath === undefined ? undefined : await readFile(config.privateKeyPath);
  const where = `${config.username}@${config.host}:${config.port}`;
  const file = config.knownHostsFile ?? defaultKnownHostsFile();
  const given = config.hostKeySha256;
  const pinned = given === undefined ? await pinnedKeys(file, config.host, config.port) : [];
  let seen: Buffer | undefined;
  const refusal = (): string | undefined => {
    if (!seen) return undefined;
    if (given !== undefined)
      return bareFingerprint(fingerprintOf(seen)) === bareFingerprint(given)
        ? undefined
        : `its host key is ${fingerprintOf(seen)}, not SHA256:${bareFingerprint(given)} as given (hostKeySha256 or --ssh-host-key)`;
    if (pinned.length === 0 || pinned.some((k) => k.equals(seen!))) return undefined;
    return (
      `its host key changed: it is ${fingerprintOf(seen)} now, but ${pinned.map(fingerprintOf).join(', ')} was pinned in ${file}. ` +
      `If the server's key really changed, delete its line there (or give the new key as hostKeySha256); otherwise someone may be in between`
    );
  };
  const raw = await client
    .connect({
      host: config.host,
      port: config.port,
      username: config.username,
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(privateKey === undefined ? {} : { privateKey }),
      hostVerifier: (key: Buffer) => {
        seen = key;
        return refusal() === undefined;
      },
      // Ask for the kind of key that was pinned, so a server with several keys shows that one.
      ...(pinned.length ? { algorithms: { serverHostKey: algorithmsFor(pinned) as ServerHostKeyAlgorithm[] } } : {}),
      readyTimeout: 15_000,
    })
    .catch((err: unknown) => Promise.reject(new AppError('unavailable', `cannot open SFTP to ${where}: ${refusal() ?? describeError(err)}`, { cause: err })));
  if (given === undefined && pinned.length === 0 && seen) {
    await pinKey(file, config.host, config.port, seen);
    announcePin({ host: config.host, port: config.port, fingerprint: fingerprintOf(seen), file });
  }
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
