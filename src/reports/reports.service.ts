import type { Kysely } from 'kysely';
import type { Access } from '../accounts/access.js';
import type { Database } from '../db/types.js';
import { ConfigObjectsService } from '../incidents/config-objects.service.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { wallClock } from '../lib/time.js';
import type { ChannelsService } from '../notify/channels.service.js';
import { Outbox } from '../notify/outbox.service.js';
import { ArchiveRepository, type ArchivedEntry, type ArchivedRow } from './archive.repository.js';
import { emailChannelsOf, REPORT_RECIPIENT, type ReportMail } from './delivery.js';
import type { PdfPrinter, ReportOutput } from './index.js';
import { catalogue, fill, Locale } from './messages.js';
import type { ReportRequest } from './report.service.js';
import { monthOf } from '../lib/time.js';
import { reportScheduleSchema, type ReportScheduleSpec } from './schedule.schema.js';

/** The month before the one `at` falls in, in `timezone`, as YYYY-MM; and the day of the month `at` is. */
export function lastMonth(at: number, timezone: string): { month: string; day: number } {
  const wall = new Date(wallClock(at, timezone));
  const previous = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() - 1, 1));
  return { month: previous.toISOString().slice(0, 7), day: wall.getUTCDate() };
}

/** A report is read by whoever sees every site it covers; one that covers none (a team without sites yet) is another team's all the same, so only instance-wide accounts read it. */
const mayRead = (visible: Set<number> | 'all', siteIds: readonly number[]) =>
  visible === 'all' || (siteIds.length > 0 && siteIds.every((id) => visible.has(id)));

export interface ReportsDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  channels: ChannelsService;
  make: (request: ReportRequest, pdf?: PdfPrinter) => Promise<ReportOutput>;
  printer: PdfPrinter;
  /** Wakes the outbox sender once a report's emails are queued. */
  wake: () => void;
}

/**
 * Reports' use cases: the schedules (upkeep.yaml's `reports:` or the API), sending each schedule's
 * report of the last month once its day has come (made, printed, archived and queued on the outbox
 * in that order, the archive row and the emails in one transaction so a report is sent once), and
 * the archive, read only by those who may see every site a report covers.
 */
export class ReportsService {
  readonly schedules: ConfigObjectsService<ReportScheduleSpec>;
  private readonly archive: ArchiveRepository;
  private repeating: Repeating | undefined;

  constructor(private readonly deps: ReportsDeps) {
    this.schedules = new ConfigObjectsService(deps.db, deps.clock, 'report', reportScheduleSchema, 'report schedule');
    this.archive = new ArchiveRepository(deps.db);
  }

  /** Sends every schedule's report of last month whose day has come and that was not sent yet; returns the archive ids made. */
  async sendDue(): Promise<number[]> {
    const now = this.deps.clock.now();
    const made: number[] = [];
    for (const { spec } of await this.schedules.list()) {
      const { month, day } = lastMonth(now, spec.timezone);
      if (day < spec.day || (await this.archive.has(spec.name, month))) continue;
      try {
        const id = await this.send(spec, month);
        if (id !== undefined) made.push(id);
      } catch (err) {
        this.deps.log.error({ err, report: spec.name, month }, 'making a scheduled report failed');
      }
    }
    if (made.length) this.deps.wake();
    return made;
  }

  private async send(spec: ReportScheduleSpec, month: string): Promise<number | undefined> {
    const request = { team: spec.team, site: spec.site, month, timezone: spec.timezone, language: spec.language, brand: spec.brand };
    const out = await this.deps.make(request, this.deps.printer);
    const channels = await emailChannelsOf(this.deps.db, (await this.deps.channels.list({ limit: 10_000 })).items, spec.to);
    if (!channels.length)
      throw new AppError('invalid_config', `report "${spec.name}": none of ${spec.to.join(', ')} is an email channel or a contact with one`);
    const m = catalogue[spec.language];
    const title = spec.team ?? spec.site!;
    const monthName = new Locale(spec.language, spec.timezone).month(monthOf(month, spec.timezone).from);
    const now = this.deps.clock.now();
    const row = {
      schedule: spec.name,
      title,
      month,
      language: spec.language,
      html: out.html,
      pdf: out.pdf!.toString('base64'),
      recipients: channels.flatMap((c) => (c.spec.type === 'email' ? c.spec.to : [])).join(', '),
      created_at: now,
    };
    return this.archive.insert(row, out.siteIds, async (trx, id) => {
      const filename = `${title.replace(/[^\p{L}\p{N}_-]+/gu, '-')}-${month}.pdf`;
      await new Outbox(trx).queue(
        channels.map((c) => ({
          to: { recipient: REPORT_RECIPIENT, recipientId: id, name: c.spec.name },
          event: 'report.sent',
          payload: JSON.stringify({
            channelId: c.id,
            subject: fill(m.mailSubject, { title, month: monthName }),
            text: fill(m.mailBody, { title, month: monthName }),
            filename,
          } satisfies ReportMail),
          dueAt: now,
          createdAt: now,
        })),
      );
    });
  }

  /** Archived reports the caller may read (every site they cover in reach), newest first. */
  async list(access: Access, limit: number, before?: number): Promise<{ items: ArchivedEntry[]; nextCursor: string | null }> {
    const visible = await access.visibleSites();
    const rows = await this.archive.list(limit, before);
    const items = rows.filter((r) => mayRead(visible, r.siteIds));
    return { items, nextCursor: rows.length === limit ? String(rows.at(-1)!.id) : null };
  }

  /** One archived report, as 404 to a caller who may not see every site it covers. */
  async get(access: Access, id: number): Promise<ArchivedRow> {
    const row = await this.archive.get(id);
    const visible = await access.visibleSites();
    if (!row || (visible !== 'all' && !mayRead(visible, await this.archive.sitesOf(id)))) throw new AppError('not_found', `report ${id} does not exist`);
    return row;
  }

  /** Looks for due reports every `everyMs` (a run still going skips the next); a monthly report can wait that long after a start. */
  start(everyMs = 15 * 60_000): void {
    this.repeating = repeat(everyMs, () => this.sendDue(), { log: this.deps.log, what: 'sending reports' });
  }

  async stop(): Promise<void> {
    await this.repeating?.stop();
  }
}
