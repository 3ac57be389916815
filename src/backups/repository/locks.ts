import { hostname, userInfo } from 'node:os';
import { AppError } from '../../lib/errors.js';
import type { LockJson } from './format.js';
import type { Repository } from './repository.js';

/** restic's rules: a lock older than 30 minutes, or one whose process on this host is gone, is stale. */
const staleAfterMs = 30 * 60_000;
/** Refreshed well within the stale age, as restic refreshes every 5 minutes. */
const refreshEveryMs = 5 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(lock: LockJson, now = Date.now()): boolean {
  if (now - Date.parse(lock.time) > staleAfterMs) return true;
  return lock.hostname === hostname() && !processAlive(lock.pid);
}

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes a restic-compatible lock. Exclusive locks (forget, prune) conflict with every live lock;
 * shared ones (backup, restore, check) only with a live exclusive lock. Stale locks are removed.
 */
export async function lockRepository(repo: Repository, exclusive: boolean): Promise<HeldLock> {
  await assertNoConflict(repo, exclusive, undefined);
  const write = (): Promise<string> =>
    repo.saveUnpacked('locks', {
      time: new Date().toISOString(),
      exclusive,
      hostname: hostname(),
      username: userInfo().username,
      pid: process.pid,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
    } satisfies LockJson);
  let id = await write();
  // A lock written by someone else at the same moment is only visible after our own write.
  await assertNoConflict(repo, exclusive, id).catch(async (err: unknown) => {
    await repo.backend.remove({ type: 'locks', name: id });
    throw err;
  });
  const timer = setInterval(() => {
    void write().then(
      async (fresh) => {
        const old = id;
        id = fresh;
        await repo.backend.remove({ type: 'locks', name: old });
      },
      () => undefined,
    );
  }, refreshEveryMs);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await repo.backend.remove({ type: 'locks', name: id });
    },
  };
}

async function assertNoConflict(repo: Repository, exclusive: boolean, ownId: string | undefined): Promise<void> {
  for (const { name } of await repo.backend.list('locks')) {
    if (name === ownId) continue;
    const lock = await repo.loadUnpacked<LockJson>('locks', name).catch(() => undefined);
    if (!lock) continue;
    if (isStale(lock)) {
      await repo.backend.remove({ type: 'locks', name });
      continue;
    }
    if (exclusive || lock.exclusive) {
      throw new AppError('conflict', `repository is locked by PID ${lock.pid} on ${lock.hostname} since ${lock.time}${lock.exclusive ? ' (exclusive)' : ''}`);
    }
  }
}

/** Runs `work` while holding a lock, releasing it whatever happens. */
export async function withLock<T>(repo: Repository, exclusive: boolean, work: () => Promise<T>): Promise<T> {
  const lock = await lockRepository(repo, exclusive);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
