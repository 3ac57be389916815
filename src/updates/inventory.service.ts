import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { diffInventories, fingerprintOf, storedFacts, type InventoryDiff, type StoredComponent } from './history.js';
import { InventoriesRepository, type InventoryRow } from './inventories.repository.js';
import type { Assessed } from './match.js';

export interface RecordedInventory {
  id: number;
  /** False when it equals the site's previous inventory from the same source (only its `checked_at` moved). */
  stored: boolean;
  /** What changed since the previous inventory (absent for a site's first). */
  diff?: InventoryDiff;
}

/** The inventory history of sites: snapshots of their components over time, compared with each other. */
export class InventoryService {
  private readonly repo: InventoriesRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.repo = new InventoriesRepository(db);
  }

  /** The id of the site named so; a clear error when there is none. */
  async siteId(name: string): Promise<number> {
    const site = await new SitesRepository(this.db).getSiteByName(name);
    if (!site) throw new AppError('not_found', `site "${name}" does not exist; apply the config first (upkeep apply)`);
    return site.id;
  }

  /**
   * Keeps an inventory of a site. One equal to the previous one from the same source is not stored
   * again, so the history is the list of changes, each with the time it was first and last seen.
   * `read` is given when the same reading is assessed again with newer knowledge: it keeps the
   * reading's times, so the scheduled inventory does not take it for a new reading.
   */
  async record(
    siteId: number,
    source: InventoryRow['source'],
    target: string,
    components: readonly Assessed[],
    knowledgeBuiltAt: string,
    read?: { takenAt: number; checkedAt: number },
  ): Promise<RecordedInventory> {
    const facts = components.map(storedFacts);
    const fingerprint = fingerprintOf(facts);
    const now = this.clock.now();
    const previous = await this.repo.latest(siteId, source);
    if (previous?.fingerprint === fingerprint && previous.target === target) {
      if (!read) await this.repo.touch(previous.id, now);
      return { id: previous.id, stored: false, diff: { added: [], removed: [], changed: [] } };
    }
    const id = await this.repo.insert(
      {
        site_id: siteId,
        source,
        target,
        fingerprint,
        knowledge_built_at: knowledgeBuiltAt,
        taken_at: read?.takenAt ?? now,
        checked_at: read?.checkedAt ?? now,
      },
      components.map((c, i) => ({
        ecosystem: c.ecosystem,
        name: c.name,
        version: facts[i]!.version,
        latest: facts[i]!.latest,
        eol_date: facts[i]!.eolDate,
        end_of_life: c.endOfLife ? 1 : 0,
        vulnerabilities: facts[i]!.vulnerabilities,
        worst_severity: facts[i]!.worstSeverity,
        detail: JSON.stringify(c),
      })),
    );
    return { id, stored: true, ...(previous ? { diff: diffInventories(await this.facts(previous.id), facts) } : {}) };
  }

  /** The site's inventories, newest first. */
  async history(
    siteId: number,
    limit = 50,
  ): Promise<{ id: number; source: string; target: string; takenAt: number; checkedAt: number; knowledgeBuiltAt: string }[]> {
    return (await this.repo.list(siteId, limit)).map((r) => ({
      id: r.id,
      source: r.source,
      target: r.target,
      takenAt: r.taken_at,
      checkedAt: r.checked_at,
      knowledgeBuiltAt: r.knowledge_built_at,
    }));
  }

  async components(inventoryId: number): Promise<Assessed[]> {
    await this.get(inventoryId);
    return (await this.repo.components(inventoryId)).map((r) => JSON.parse(r.detail) as Assessed);
  }

  /** What the site runs now: the components of its newest inventory from each source. */
  async current(siteId: number): Promise<Assessed[]> {
    const out: Assessed[] = [];
    for (const source of ['ssh', 'outside'] as const) {
      const row = await this.repo.latest(siteId, source);
      if (row) out.push(...(await this.repo.components(row.id)).map((r) => JSON.parse(r.detail) as Assessed));
    }
    return out;
  }

  async diff(fromId: number, toId: number): Promise<InventoryDiff> {
    await this.get(fromId);
    await this.get(toId);
    return diffInventories(await this.facts(fromId), await this.facts(toId));
  }

  private async get(id: number): Promise<InventoryRow> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', `inventory ${id} does not exist`);
    return row;
  }

  private async facts(inventoryId: number): Promise<StoredComponent[]> {
    return (await this.repo.components(inventoryId)).map((r) => ({
      ecosystem: r.ecosystem,
      name: r.name,
      version: r.version,
      latest: r.latest,
      eolDate: r.eol_date,
      endOfLife: r.end_of_life === 1,
      vulnerabilities: r.vulnerabilities,
      worstSeverity: r.worst_severity,
    }));
  }
}
