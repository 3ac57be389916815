import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where SFTP host keys are pinned unless a connection names another file: next to the SSH keys, apart from ssh's own list. */
export const defaultKnownHostsFile = (): string => join(homedir(), '.ssh', 'upkeep_known_hosts');

/** A host key as `ssh-keygen -lf` names it: "SHA256:" and the unpadded base64 of its SHA-256. */
export const fingerprintOf = (key: Buffer): string => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

/** The key type inside an SSH public key blob (its first string): "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
export const keyTypeOf = (key: Buffer): string => (key.length >= 4 ? key.subarray(4, 4 + key.readUInt32BE(0)).toString('latin1') : '');

/** The host as known_hosts writes it: the bare name on port 22, else "[host]:port". */
const hostPattern = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

/** Whether one host field of a known_hosts line names `pattern`, plain or hashed (|1|salt|hash, as ssh's HashKnownHosts writes). */
function names(field: string, pattern: string): boolean {
  return field.split(',').some((entry) => {
    const hashed = /^\|1\|([^|]+)\|(.+)$/.exec(entry);
    if (!hashed) return entry === pattern;
    return createHmac('sha1', Buffer.from(hashed[1]!, 'base64')).update(pattern).digest('base64') === hashed[2];
  });
}

/** The keys pinned for `host:port` in an OpenSSH known_hosts file (missing file: none). */
export async function pinnedKeys(file: string, host: string, port: number): Promise<Buffer[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
  const pattern = hostPattern(host, port);
  const keys: Buffer[] = [];
  for (const line of text.split('\n')) {
    const [field, type, key] = line.trim().split(/\s+/);
    // Comments, blank lines and @cert-authority / @revoked markers are not pins.
    if (!field || !type || !key || field.startsWith('#') || field.startsWith('@')) continue;
    if (names(field, pattern)) keys.push(Buffer.from(key, 'base64'));
  }
  return keys;
}

/** Pins a key on first use: one line of OpenSSH's format, so `ssh -o UserKnownHostsFile=<file>` trusts it too. */
export async function pinKey(file: string, host: string, port: number, key: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await appendFile(file, `${hostPattern(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}

/** The host key algorithms to ask for: those of the pinned keys, so the server shows the key that was pinned. */
export function algorithmsFor(keys: readonly Buffer[]): string[] {
  return [...new Set(keys.flatMap((k) => (keyTypeOf(k) === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyTypeOf(k)])))];
}

export interface PinnedHostKey {
  host: string;
  port: number;
  fingerprint: string;
  file: string;
}

const pinListeners = new Set<(pin: PinnedHostKey) => void>();

/** Hears of every key pinned on first use (the server logs it, the CLI prints it); returns the way to stop. */
export function onHostKeyPinned(listener: (pin: PinnedHostKey) => void): () => void {
  pinListeners.add(listener);
  return () => pinListeners.delete(listener);
}

export function announcePin(pin: PinnedHostKey): void {
  for (const listener of pinListeners) listener(pin);
}
