import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { duration, formatDuration } from '../config/duration.js';
import type { Database } from '../db/types.js';
import { toIso } from '../lib/clock.js';
import { KnowledgeRepository } from './knowledge.repository.js';
import type { Knowledge } from './snapshot/format.js';
import { ageInDays, decodeKnowledge, encodeKnowledge, loadKnowledge, REFRESHED_FILE, SHIPPED_SNAPSHOT, type LoadedKnowledge } from './snapshot/load.js';
import { knowledgeSources, type SourceKind } from './sources/index.js';

const sourceSetting = <S extends z.ZodObject>(schema: S) =>
  z.union([z.literal(false), schema.strict()], { error: 'expected false (not asked), or the source’s settings like { baseUrl: "https://…" }' }).optional();

/**
 * `updates.knowledge` of upkeep.yaml: how often the server asks the live sources about the
 * components its sites' inventories hold (`off`: never; the shipped snapshot and `upkeep inventory
 * --refresh` remain), and each source's settings: `false` leaves it out, absent takes its defaults
 * (the public service). Wordfence's feed wants a free account's token, so it is asked only when set.
 *
 * @example { refresh: 12h, sources: { osv: { baseUrl: "https://osv.mirror.internal" }, wordfence: { token: "${WORDFENCE_TOKEN}" }, packagist: false } }
 */
export const knowledgeSettingsSchema = z
  .object({
    refresh: z
      .union([z.literal('off'), duration({ min: 3_600_000, max: 30 * 86_400_000 })], {
        error: 'expected "off" or a duration between 1h and 30d, like "24h"',
      })
      .prefault('24h'),
    sources: z
      .object({
        endoflife: sourceSetting(knowledgeSources.endoflife.configSchema),
        osv: sourceSetting(knowledgeSources.osv.configSchema),
        'wordpress-org': sourceSetting(knowledgeSources['wordpress-org'].configSchema),
        wordfence: sourceSetting(knowledgeSources.wordfence.configSchema).default(false),
        npm: sourceSetting(knowledgeSources.npm.configSchema),
        packagist: sourceSetting(knowledgeSources.packagist.configSchema),
      } satisfies Record<SourceKind, z.ZodType>)
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
export type KnowledgeSettings = z.output<typeof knowledgeSettingsSchema>;

/** What a source answered at the server's last refresh. */
export interface KnowledgeAttempt {
  kind: SourceKind;
  ok: boolean;
  message: string;
  at: number;
}

/** How old the data is, as a whole and per source, and how each source's last refresh went. */
export interface KnowledgeStatus {
  builtAt: string;
  ageDays: number;
  /** The server's last refresh attempt; null before the first. */
  checkedAt: number | null;
  refresh: 'off' | number;
  sources: {
    kind: SourceKind;
    name: string;
    enabled: boolean;
    /** When the data Upkeep holds from it was current (its last successful refresh, or the shipped snapshot's date). */
    asOf: string | null;
    ageDays: number | null;
    lastAttempt: { at: number; ok: boolean; message: string } | null;
  }[];
}

type StoredMeta = Awaited<ReturnType<KnowledgeRepository['meta']>>;
const STORED = 'the refreshed knowledge in the database (update_knowledge)';

/**
 * The knowledge every node works from: the shipped snapshot, the data directory's refreshed file
 * (`upkeep inventory --refresh`), and the server's refreshed copy, kept in the database so that all
 * nodes of a cluster use it without sharing a disk. The stored copy is decoded again only when its
 * build date changed.
 */
export class KnowledgeStore {
  private readonly repo: KnowledgeRepository;
  private cached: { builtAt: string; knowledge: Knowledge } | undefined;
  private merged: { key: string; loaded: LoadedKnowledge } | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly dataDir: string,
  ) {
    this.repo = new KnowledgeRepository(db);
  }

  async load(now: Date): Promise<LoadedKnowledge> {
    return this.loadWith(await this.repo.meta(), now);
  }

  /** `load` with the stored copy's row already read (`status` reads it once for both). */
  private async loadWith(meta: StoredMeta | undefined, now: Date): Promise<LoadedKnowledge> {
    const stored = await this.stored(meta);
    // Merged again only when a copy changed: the stored one's build date, the data directory's file's time.
    const key = `${stored?.builtAt ?? ''}|${statSync(join(this.dataDir, REFRESHED_FILE), { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
    if (this.merged?.key !== key)
      this.merged = { key, loaded: loadKnowledge(this.dataDir, now, SHIPPED_SNAPSHOT, stored && { from: STORED, knowledge: stored }) };
    return { ...this.merged.loaded, ageDays: ageInDays(this.merged.loaded.builtAt, now) };
  }

  /** Keeps a refresh's outcome: the knowledge (unchanged when every source failed) and each source's attempt. */
  async save(knowledge: Knowledge, attempts: readonly KnowledgeAttempt[], at: number): Promise<void> {
    const before = await this.repo.meta();
    const previous = before ? (JSON.parse(before.attempts) as KnowledgeAttempt[]) : [];
    // A source left out this time keeps the record of its last attempt.
    const merged = [...previous.filter((p) => !attempts.some((a) => a.kind === p.kind)), ...attempts];
    await this.repo.save({ built_at: knowledge.builtAt, data: encodeKnowledge(knowledge), attempts: JSON.stringify(merged), checked_at: at });
  }

  /** The last refresh attempt's time and whether every source asked failed then; undefined before the first. */
  async lastAttempt(): Promise<{ at: number; failed: boolean } | undefined> {
    const meta = await this.repo.meta();
    if (!meta) return undefined;
    const latest = (JSON.parse(meta.attempts) as KnowledgeAttempt[]).filter((a) => a.at === meta.checked_at);
    return { at: meta.checked_at, failed: latest.length > 0 && latest.every((a) => !a.ok) };
  }

  async status(now: Date, settings: KnowledgeSettings): Promise<KnowledgeStatus> {
    const meta = await this.repo.meta();
    const loaded = await this.loadWith(meta, now);
    const attempts = meta ? (JSON.parse(meta.attempts) as KnowledgeAttempt[]) : [];
    return {
      builtAt: loaded.builtAt,
      ageDays: loaded.ageDays,
      checkedAt: meta?.checked_at ?? null,
      refresh: settings.refresh,
      sources: (Object.keys(knowledgeSources) as SourceKind[]).map((kind) => {
        const name = knowledgeSources[kind].title;
        const asOf = loaded.knowledge.sources.find((s) => s.name === name)?.asOf ?? null;
        const attempt = attempts.find((a) => a.kind === kind);
        return {
          kind,
          name,
          enabled: settings.refresh !== 'off' && settings.sources[kind] !== false,
          asOf,
          ageDays: asOf === null ? null : ageInDays(asOf, now),
          lastAttempt: attempt ? { at: attempt.at, ok: attempt.ok, message: attempt.message } : null,
        };
      }),
    };
  }

  private async stored(meta: StoredMeta | undefined): Promise<Knowledge | undefined> {
    if (!meta) return undefined;
    if (this.cached?.builtAt !== meta.built_at) {
      const row = await this.repo.data();
      if (!row) return undefined;
      this.cached = { builtAt: row.built_at, knowledge: decodeKnowledge(row.data, STORED) };
    }
    return this.cached.knowledge;
  }
}

/** The status as the API answers it: times in ISO 8601, the interval written as in upkeep.yaml. */
export const knowledgeView = (k: KnowledgeStatus) => ({
  ...k,
  checkedAt: k.checkedAt === null ? null : toIso(k.checkedAt),
  refresh: k.refresh === 'off' ? 'off' : formatDuration(k.refresh),
  sources: k.sources.map((s) => ({ ...s, lastAttempt: s.lastAttempt && { ...s.lastAttempt, at: toIso(s.lastAttempt.at) } })),
});
