import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database, ManagedBy } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { assertOwner } from '../lib/stored-object.js';
import { IncidentsRepository } from '../incidents/incidents.repository.js';
import { FeedbackRepository, type FeedbackRow, type InboxFilter } from './feedback.repository.js';
import { triageInput, widgetInput } from './feedback.schema.js';
import { withFeedbackTables, type FeedbackState } from './tables.js';

const DAY = 86_400_000;

export interface Widget {
  siteId: number;
  siteKey: string;
  origins: string[];
  managedBy: ManagedBy;
}

/** One day of a site's ratings: how many reports rated it, their mean, and how many said something went wrong. */
export interface RatingDay {
  day: string;
  reports: number;
  rated: number;
  average: number | null;
  wentWrong: number;
}

/** The inbox side of feedback: each site's widget settings, its reports with their triage, the ratings trend, retention. */
export class FeedbackInbox {
  private readonly repo: FeedbackRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.repo = new FeedbackRepository(withFeedbackTables(db));
  }

  async widget(siteId: number): Promise<Widget> {
    const row = await this.repo.widgetOfSite(siteId);
    if (!row) throw new AppError('not_found', `site ${siteId} has no feedback widget yet (PUT its origins to make one)`);
    return { siteId, siteKey: row.site_key, origins: JSON.parse(row.origins) as string[], managedBy: row.managed_by };
  }

  /** Makes the site's widget (with a new public key) or changes its origins; the key stays. One from upkeep.yaml changes only there. */
  async saveWidget(siteId: number, body: unknown): Promise<Widget> {
    const input = parseInput(widgetInput, body);
    assertOwner((await this.repo.widgetOfSite(siteId))?.managed_by ?? 'api', 'api', `the feedback widget of site ${siteId}`, 'feedbackWidgets');
    await this.writeWidget(siteId, input.origins, 'api');
    return this.widget(siteId);
  }

  /** Stores a widget's origins (as origins, once each), keeping its key or making one; for the API and `upkeep apply`. */
  async writeWidget(siteId: number, origins: readonly string[], managedBy: ManagedBy): Promise<void> {
    const now = this.clock.now();
    const key = (await this.repo.widgetOfSite(siteId))?.site_key ?? randomBytes(16).toString('base64url');
    const unique = [...new Set(origins.map((o) => new URL(o).origin))];
    await this.repo.saveWidget({ site_id: siteId, site_key: key, origins: JSON.stringify(unique), created_at: now, updated_at: now, managed_by: managedBy });
  }

  list(filter: InboxFilter): Promise<FeedbackRow[]> {
    return this.repo.list(filter);
  }

  async get(id: number): Promise<FeedbackRow> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', `feedback ${id} does not exist`);
    return row;
  }

  /** Moves a report along new → triaged → linked → done, retags it, links it to an incident of its site. */
  async triage(id: number, body: unknown): Promise<FeedbackRow> {
    const row = await this.get(id);
    const input = parseInput(triageInput, body);
    const incidentId = input.incidentId === undefined ? row.incident_id : input.incidentId;
    let state: FeedbackState = input.state ?? (input.incidentId ? 'linked' : row.state);
    if (input.incidentId) {
      const incident = await new IncidentsRepository(this.db).get(input.incidentId);
      if (incident?.site_id !== row.site_id) {
        const message = `no incident ${input.incidentId} on this report's site`;
        throw new AppError('invalid_input', message, { details: [{ path: 'incidentId', message }] });
      }
    }
    if (input.incidentId === null && state === 'linked') state = 'triaged';
    if (state === 'linked' && incidentId === null) {
      const message = 'a linked report names its incident: give incidentId';
      throw new AppError('invalid_input', message, { details: [{ path: 'incidentId', message }] });
    }
    await this.repo.update(id, {
      state,
      incident_id: incidentId,
      ...(input.tags ? { tags: JSON.stringify([...new Set(input.tags)]) } : {}),
      updated_at: this.clock.now(),
    });
    return this.get(id);
  }

  /** Per UTC day over the last `days` days, oldest first (days without reports included, with nulls). */
  async ratings(siteId: number, days: number): Promise<RatingDay[]> {
    const today = Math.floor(this.clock.now() / DAY);
    const first = today - days + 1;
    const out: RatingDay[] = Array.from({ length: days }, (_, i) => ({
      day: new Date((first + i) * DAY).toISOString().slice(0, 10),
      reports: 0,
      rated: 0,
      average: null,
      wentWrong: 0,
    }));
    const sums = new Array<number>(days).fill(0);
    for (const r of await this.repo.ratingsSince(siteId, first * DAY)) {
      const i = Math.floor(Number(r.created_at) / DAY) - first;
      const day = out[i];
      if (!day) continue;
      day.reports++;
      if (r.went_wrong === 1) day.wentWrong++;
      if (r.rating !== null) {
        day.rated++;
        sums[i]! += r.rating;
      }
    }
    for (const [i, day] of out.entries()) if (day.rated) day.average = Math.round((sums[i]! / day.rated) * 100) / 100;
    return out;
  }

  /** Deletes reports older than the retention; returns how many. */
  purge(retentionMs: number): Promise<number> {
    return this.repo.deleteBefore(this.clock.now() - retentionMs);
  }
}
