import type { Kysely } from 'kysely';
import { openSsh } from '../backups/sftp-connection.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { InventoriesRepository } from './inventories.repository.js';
import { refreshInventory, type InventoryRefreshDeps } from './inventory-refresh.js';
import type { UpdatePolicies } from './policies.service.js';
import { policyFor } from './policy.js';
import { connectionOf } from './ssh/target.js';
import type { UpdatesService } from './updates.service.js';

const MINUTE = 60_000;
/** A site whose inventory could not be read is tried again after this, not at every look. */
const RETRY_MS = 3_600_000;

/**
 * Starts approved runs that wait for their policy's maintenance window when it opens (a cluster
 * singleton job: one node starts each run). Looks again at the soonest waiting start, at least
 * every minute (a window or policy changed elsewhere).
 */
export function windowQueue(updates: UpdatesService, clock: Clock, log: Logger) {
  let repeating: Repeating | undefined;
  return {
    start() {
      repeating = repeat(
        MINUTE,
        async () => {
          await updates.startWaiting();
          const next = await updates.nextStart();
          return Math.max(1_000, Math.min(MINUTE, (next ?? Infinity) - clock.now()));
        },
        { log, what: 'starting waiting update runs', now: true },
      );
    },
    stop: () => repeating?.stop(),
  };
}

export interface InventoryScheduleDeps extends InventoryRefreshDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  policies: UpdatePolicies;
}

/**
 * Re-reads over SSH the inventory of every site with an `updates.sites` entry when it is due (the
 * site's `inventory`, else its policy's: daily by default; `off` never), through the same path as
 * `upkeep updates plan`: kept in the history, component incidents reconciled. A cluster singleton.
 */
export class InventorySchedule {
  private readonly failedAt = new Map<string, number>();
  private repeating: Repeating | undefined;
  /** The tick under way: one at a time, so a site is never read twice for one due time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: InventoryScheduleDeps) {}

  start(): void {
    this.repeating = repeat(MINUTE, () => this.tick().then(() => undefined), { log: this.deps.log, what: 'the scheduled inventory', now: true });
  }

  async stop(): Promise<void> {
    await this.repeating?.stop();
  }

  /** Reads the inventories that are due (after a tick under way ends); returns the names of the sites read. */
  tick(): Promise<string[]> {
    const next = this.queue.then(() => this.readDue());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readDue(): Promise<string[]> {
    const { db, clock, log, policies } = this.deps;
    await policies.refresh();
    const sites = new SitesRepository(db);
    const inventories = new InventoriesRepository(db);
    const read: string[] = [];
    for (const setup of policies.config.sites) {
      const row = await sites.getSiteByName(setup.site);
      if (!row) continue;
      const site = { id: row.id, name: row.name, tags: (JSON.parse(row.spec) as { tags?: string[] }).tags ?? [] };
      const policy = policyFor(policies.config, site);
      const every = setup.inventory ?? policy.inventory;
      if (every === 'off') continue;
      const now = clock.now();
      const last = (await inventories.latest(site.id, 'ssh'))?.checked_at;
      if (last !== undefined && last + every > now) continue;
      if ((this.failedAt.get(site.name) ?? -Infinity) + Math.min(every, RETRY_MS) > now) continue;
      try {
        const ssh = await openSsh(connectionOf(setup.ssh));
        try {
          await refreshInventory(this.deps, ssh, setup.ssh, site, policy);
        } finally {
          await ssh.close();
        }
        this.failedAt.delete(site.name);
        read.push(site.name);
      } catch (err) {
        this.failedAt.set(site.name, now);
        log.warn({ err, site: site.name }, 'the scheduled inventory of a site failed');
      }
    }
    return read;
  }
}
