import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Launcher } from 'chrome-launcher';
import { AppError } from '../../lib/errors.js';

/** How an audit's Chromium is confined, for tests and for docs/security.md. */
export interface Confinement {
  /** Chromium's own sandbox (namespaces and seccomp-bpf for every renderer) is on. */
  sandbox: boolean;
  /** The account it runs as: Upkeep's own, or the low-privilege `audits.chromiumUser` when Upkeep runs as root. */
  uid: number;
  gid: number;
  /** Why the sandbox is off, in Chromium's words. */
  sandboxOff?: string;
}

export interface LaunchedChromium {
  /** The DevTools endpoint on loopback: Playwright connects to the WebSocket, Lighthouse to the port. */
  wsEndpoint: string;
  port: number;
  pid: number;
  confinement: Confinement;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The Chromium binary. */
  path: string;
  /** Flags on top of those every automated Chromium needs (the proxy's, for one). */
  flags: readonly string[];
  /** `audits.chromiumUser`: who Chromium runs as when Upkeep runs as root. */
  user: string;
}

const STARTUP_MS = 30_000;
/** What every automated Chromium gets: Lighthouse's list (no first run, no background work, no throttling of hidden pages). */
const automationFlags = () => [...Launcher.defaultFlags(), '--hide-scrollbars'];

/** A user name (or "uid:gid", or a bare uid) as the system knows it. */
export async function resolveUser(user: string): Promise<{ uid: number; gid: number }> {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(user);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const entry = passwd.split('\n').find((line) => line.split(':')[0] === user);
  if (!entry) throw new AppError('invalid_config', `audits.chromiumUser: no user "${user}" on this system (write a name from /etc/passwd, or uid:gid)`);
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Whether Chromium's sandbox works for this account here; learned from the first launch, per account. */
const sandboxWorks = new Map<number, { ok: boolean; why?: string }>();

/**
 * Starts Chromium for an audit, confined as far as the system allows: never as root (when Upkeep is
 * root, as `audits.chromiumUser` with a profile that user owns), with Chromium's own sandbox when
 * the system lets that account create user namespaces, and with an environment of its own (none of
 * Upkeep's variables, such as UPKEEP_SECRET_KEY or the database URL, reach it).
 */
export async function launchChromium(options: LaunchOptions): Promise<LaunchedChromium> {
  const asRoot = process.getuid?.() === 0;
  const id = asRoot ? await resolveUser(options.user) : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  if (asRoot && id.uid === 0) throw new AppError('invalid_config', 'audits.chromiumUser must not be root: hostile pages run in this browser');
  const known = sandboxWorks.get(id.uid);
  if (known?.ok !== false) {
    try {
      const launched = await start(options, id, true);
      sandboxWorks.set(id.uid, { ok: true });
      return launched;
    } catch (err) {
      const why = err instanceof SandboxUnavailable ? err.message : undefined;
      if (!why) throw err;
      sandboxWorks.set(id.uid, { ok: false, why });
    }
  }
  return start(options, id, false);
}

class SandboxUnavailable extends Error {}

async function start(options: LaunchOptions, id: { uid: number; gid: number }, sandbox: boolean): Promise<LaunchedChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'upkeep-chromium-'));
  if (process.getuid?.() === 0) await chown(profile, id.uid, id.gid);
  const args = [
    ...automationFlags(),
    ...options.flags,
    ...(sandbox ? [] : ['--no-sandbox']),
    `--user-data-dir=${profile}`,
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    'about:blank',
  ];
  const child = spawn(options.path, args, {
    ...(process.getuid?.() === 0 ? { uid: id.uid, gid: id.gid } : {}),
    env: { HOME: profile, PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile },
    cwd: profile,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group, so closing ends the zygote and every renderer with it.
    detached: true,
  });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', kill);
  const close = async () => {
    process.off('exit', kill);
    await ended(child, kill);
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const wsEndpoint = await devToolsEndpoint(child, sandbox);
    const confinement: Confinement = { sandbox, uid: id.uid, gid: id.gid, ...(sandbox ? {} : { sandboxOff: sandboxWorks.get(id.uid)?.why ?? 'unknown' }) };
    return { wsEndpoint, port: Number(new URL(wsEndpoint).port), pid: child.pid!, confinement, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Reads Chromium's "DevTools listening on ws://…" line; a start that fails says why in Chromium's words. */
function devToolsEndpoint(child: ChildProcess, sandbox: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new AppError('unavailable', `Chromium did not start within ${STARTUP_MS / 1000} s`)), STARTUP_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      said = (said + chunk.toString('utf8')).slice(-8_192);
      const endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(said)?.[1];
      if (endpoint) {
        clearTimeout(timer);
        // Keep draining, or a chatty Chromium would block on a full pipe.
        child.stderr!.resume();
        resolve(endpoint);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new AppError('unavailable', `Chromium could not be started: ${err.message}`, { cause: err }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = said.trim().split('\n').slice(-3).join(' ').slice(0, 500);
      if (sandbox && /sandbox/i.test(said)) reject(new SandboxUnavailable(last));
      else reject(new AppError('unavailable', `Chromium exited at start (${signal ?? `code ${code}`}): ${last}`));
    });
  });
}

/** Asks Chromium to stop, then makes sure its whole process group is gone. */
async function ended(child: ChildProcess, kill: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return kill();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(kill, 5_000);
  await exited;
  clearTimeout(timer);
  kill();
}
