import { maxId } from '../lib/ids.js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { markdown } from '../config/fields.js';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { renderMarkdown } from '../status-pages/sanitize.js';
import { RunbooksRepository, type RunbookRow, type VersionRow } from './runbooks.repository.js';
import { withRunbookTables } from './tables.js';

const title = z.string().trim().min(1, 'a title cannot be empty').max(200, 'a title is at most 200 characters');

export const runbookInput = z
  .object({
    title,
    monitorId: z.number().int().min(1).max(maxId).nullable().optional().describe('a monitor of the site (none: the whole site’s)'),
    body: markdown.describe('Markdown; rendered sanitized'),
  })
  .strict();
export const runbookEdit = z.object({ title, body: markdown }).strict();
export const runbookPreview = z.object({ body: markdown }).strict();

/** A runbook as its newest version says, with the Markdown rendered safe to show. */
export interface Runbook {
  row: RunbookRow;
  latest: VersionRow;
  html: string;
}

/** Runbooks' use cases: written per site or monitor, each change a new version, found for an incident by its site and monitors. */
export class RunbooksService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  private repo(db: Kysely<Database> = this.db) {
    return new RunbooksRepository(withRunbookTables(db));
  }

  private async withLatest(row: RunbookRow): Promise<Runbook> {
    const latest = (await this.repo().version(row.id, row.version))!;
    return { row, latest, html: renderMarkdown(latest.body) };
  }

  async list(siteId: number): Promise<Runbook[]> {
    return Promise.all((await this.repo().ofSite(siteId)).map((r) => this.withLatest(r)));
  }

  async get(id: number): Promise<Runbook> {
    const row = await this.repo().get(id);
    if (!row) throw new AppError('not_found', `runbook ${id} does not exist`);
    return this.withLatest(row);
  }

  async create(siteId: number, body: unknown, author: string): Promise<Runbook> {
    const input = parseInput(runbookInput, body);
    if (input.monitorId) {
      const monitor = await new SitesRepository(this.db).getMonitor(input.monitorId);
      if (monitor?.site_id !== siteId) {
        const message = `no monitor ${input.monitorId} on this site`;
        throw new AppError('invalid_input', message, { details: [{ path: 'monitorId', message }] });
      }
    }
    const now = this.clock.now();
    const id = await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const made = await repo.insert({
        site_id: siteId,
        monitor_id: input.monitorId ?? null,
        title: input.title,
        version: 1,
        created_at: now,
        updated_at: now,
      });
      await repo.addVersion({ runbook_id: made, version: 1, title: input.title, body: input.body, author, at: now });
      return made;
    });
    return this.get(id);
  }

  /** Writes a new version (the old ones stay); the same text again changes nothing. */
  async edit(id: number, body: unknown, author: string): Promise<Runbook> {
    const current = await this.get(id);
    const input = parseInput(runbookEdit, body);
    if (input.title === current.latest.title && input.body === current.latest.body) return current;
    const now = this.clock.now();
    const version = current.row.version + 1;
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.addVersion({ runbook_id: id, version, title: input.title, body: input.body, author, at: now });
      await repo.setVersion(id, input.title, version, now);
    });
    return this.get(id);
  }

  /** Markdown rendered as a saved runbook would show it: the same sanitizer, nothing stored. */
  preview(body: unknown): string {
    return renderMarkdown(parseInput(runbookPreview, body).body);
  }

  async delete(id: number): Promise<void> {
    await this.get(id);
    await this.repo().delete(id);
  }

  /** Every version, each rendered as it showed then (to read an old one as it was). */
  async versions(id: number): Promise<(VersionRow & { html: string })[]> {
    await this.get(id);
    return (await this.repo().versions(id)).map((v) => ({ ...v, html: renderMarkdown(v.body) }));
  }

  /** The runbooks an incident needs: its site's own and those of its monitors. */
  async forIncident(siteId: number, monitorIds: readonly number[]): Promise<Runbook[]> {
    return Promise.all((await this.repo().forTargets(siteId, monitorIds)).map((r) => this.withLatest(r)));
  }
}
