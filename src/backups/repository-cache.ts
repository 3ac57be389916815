import { canonicalJson } from '../lib/json.js';
import type { Logger } from '../lib/logger.js';
import { openRepository } from './backup.service.js';
import type { RepositoryConfig } from './config.js';
import type { Repository } from './repository/repository.js';

interface Entry {
  key: string;
  repo: Promise<Repository>;
  users: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Open repositories for browsing, kept a minute after their last use: opening one derives its key
 * (scrypt, deliberately slow) and reads its whole index, which a person clicking through folders
 * should not wait for at every click. Index files written since are read before each use.
 */
export class RepositoryCache {
  private readonly open = new Map<string, Entry>();

  constructor(
    private readonly log: Logger,
    private readonly idleMs = 60_000,
  ) {}

  /** Runs `work` on the open repository; `hold()` keeps it open past `work` (a streamed download) until the function it returns is called. */
  async use<T>(name: string, config: RepositoryConfig, work: (repo: Repository, hold: () => () => void) => Promise<T>): Promise<T> {
    const entry = this.entry(name, config);
    const hold = () => {
      entry.users += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        entry.users -= 1;
        if (entry.users === 0) this.idle(name, entry);
      };
    };
    const release = hold();
    try {
      const repo = await entry.repo;
      await repo.loadIndex();
      return await work(repo, hold);
    } catch (err) {
      // A repository that failed to open is not kept: the next request tries again.
      const failed = await entry.repo.then(
        () => false,
        () => true,
      );
      if (failed && this.open.get(name) === entry) this.open.delete(name);
      throw err;
    } finally {
      release();
    }
  }

  /** Closes every repository (the server is stopping). */
  async close(): Promise<void> {
    const entries = [...this.open.values()];
    this.open.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      await entry.repo.then((r) => r.backend.close()).catch(() => undefined);
    }
  }

  private entry(name: string, config: RepositoryConfig): Entry {
    const key = canonicalJson(config);
    const current = this.open.get(name);
    if (current && current.key === key) {
      clearTimeout(current.timer);
      current.timer = undefined;
      return current;
    }
    if (current) this.retire(name, current);
    const entry: Entry = { key, repo: openRepository(config, false), users: 0, timer: undefined };
    this.open.set(name, entry);
    return entry;
  }

  private idle(name: string, entry: Entry): void {
    if (this.open.get(name) !== entry) {
      if (entry.users === 0) void entry.repo.then((r) => r.backend.close()).catch(() => undefined);
      return;
    }
    entry.timer = setTimeout(() => this.retire(name, entry), this.idleMs);
    entry.timer.unref();
  }

  private retire(name: string, entry: Entry): void {
    if (this.open.get(name) === entry) this.open.delete(name);
    if (entry.users === 0)
      entry.repo.then((r) => r.backend.close()).catch((err: unknown) => this.log.warn({ err, repository: name }, 'could not close a repository'));
  }
}
