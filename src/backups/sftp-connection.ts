import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client, type ServerHostKeyAlgorithm, type SFTPWrapper, type Stats } from 'ssh2';
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

/** What a remote command came to: its exit code (null when it was killed by a signal or timed out) and its output, capped. */
export interface ExecResult {
  code: number | null;
  /** stdout and stderr together, in the order they came, cut at `maxBytes`. */
  output: string;
  truncated: boolean;
  timedOut: boolean;
}

export interface ExecOptions {
  /** Output kept; the rest is read and dropped, so the command never blocks on a full pipe. */
  maxBytes: number;
  timeoutMs: number;
}

/** One SSH connection: SFTP sessions and commands share it and its host-key check. */
export interface SshConnection {
  where: string;
  sftp(): Promise<SftpSession>;
  /** Runs one command line in the account's shell. The caller builds the line from fixed text (or quotes what it adds with `shellQuote`). */
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

const bareFingerprint = (fp: string) => fp.replace(/^SHA256:/, '').replace(/=+$/, '');

/** A word for a POSIX shell: single-quoted, so nothing in it is interpreted. */
export const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

function sessionOf(raw: SFTPWrapper, close: () => Promise<void>): SftpSession {
  return {
    lstat: promisify(raw.lstat.bind(raw)),
    stat: promisify(raw.stat.bind(raw)),
    readdir: async (path) => (await promisify(raw.readdir.bind(raw))(path)).map((e) => e.filename).filter((n) => n !== '.' && n !== '..'),
    readlink: promisify(raw.readlink.bind(raw)),
    mkdir: (path) => promisify(raw.mkdir.bind(raw) as (p: string, cb: (err?: Error) => void) => void)(path),
    rename: promisify(raw.rename.bind(raw)),
    unlink: promisify(raw.unlink.bind(raw)),
    raw,
    close,
  };
}

/**
 * Opens an SSH connection, checking the server's host key: against `hostKeySha256` when given, else
 * against the key pinned for host:port in the known_hosts file, pinning the key seen on first use
 * (announced to `onHostKeyPinned` listeners). A key that differs is refused, naming both fingerprints.
 *
 * @example const ssh = await openSsh(config); const { output } = await ssh.exec('php -v', { maxBytes: 4096, timeoutMs: 10_000 })
 */
export async function openSsh(config: SftpConnectionConfig, purpose: 'SSH' | 'SFTP' = 'SSH'): Promise<SshConnection> {
  const client = new Client();
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
  // A connection that fails after it is ready (reset, server gone) fails the calls in progress; it must never crash the process.
  let broken: Error | undefined;
  client.on('error', (err) => (broken = err));
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) =>
      reject(new AppError('unavailable', `cannot open ${purpose} to ${where}: ${refusal() ?? describeError(err)}`, { cause: err }));
    client.once('ready', () => {
      client.off('error', fail);
      resolve();
    });
    client.once('error', fail);
    client.connect({
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
    });
  });
  if (given === undefined && pinned.length === 0 && seen) {
    await pinKey(file, config.host, config.port, seen);
    announcePin({ host: config.host, port: config.port, fingerprint: fingerprintOf(seen), file });
  }
  const close = () =>
    new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    });
  let closed: Promise<void> | undefined;
  return {
    where,
    sftp: () =>
      new Promise((resolve, reject) =>
        client.sftp((err, raw) =>
          err
            ? reject(new AppError('unavailable', `cannot start SFTP on ${where}: ${describeError(broken ?? err)}`, { cause: err }))
            : resolve(sessionOf(raw, async () => raw.end())),
        ),
      ),
    exec: (command, options) => execOn(client, where, command, options),
    close: () => (closed ??= close()),
  };
}

function execOn(client: Client, where: string, command: string, options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(new AppError('unavailable', `cannot run a command on ${where}: ${describeError(err)}`, { cause: err }));
      const parts: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      let timedOut = false;
      const take = (chunk: Buffer) => {
        const room = options.maxBytes - kept;
        if (chunk.length > room) truncated = true;
        if (room > 0) parts.push(chunk.subarray(0, room));
        kept += Math.min(room, chunk.length);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        channel.signal('KILL');
        channel.close();
      }, options.timeoutMs);
      channel.on('data', take);
      channel.stderr.on('data', take);
      channel.once('close', (code: number | null) => {
        clearTimeout(timer);
        resolve({ code: timedOut ? null : (code ?? null), output: Buffer.concat(parts).toString('utf8'), truncated, timedOut });
      });
    });
  });
}

/**
 * Opens an SFTP session on a connection of its own, checked like `openSsh`; closing the session
 * closes the connection.
 */
export async function openSftp(config: SftpConnectionConfig): Promise<SftpSession> {
  const ssh = await openSsh(config, 'SFTP');
  try {
    const session = await ssh.sftp();
    return { ...session, close: () => ssh.close() };
  } catch (err) {
    await ssh.close();
    throw err;
  }
}

/** SFTP status 2 is "no such file". */
export function isSftpMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === 2;
}

/** An lstat that answers undefined for a path that is not there (any other failure still throws). */
export async function lstatIfThere(sftp: SftpSession, path: string): Promise<Stats | undefined> {
  try {
    return await sftp.lstat(path);
  } catch (err) {
    if (isSftpMissing(err)) return undefined;
    throw err;
  }
}
