import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import { MaintenanceCalendar } from '../incidents/maintenance.js';
import { ResultStore } from '../monitoring/results.service.js';
import type { OutboxSender } from '../notify/outbox.js';
import { ObjectivesService } from '../objectives/objectives.service.js';
import { ArchiveRepository } from './archive.repository.js';
import { REPORT_RECIPIENT, reportRecipients } from './delivery.js';
import { printPdf } from './pdf.js';
import { ReportService, type ReportRequest } from './report.service.js';
import { ReportsService } from './reports.service.js';
import { reportsRoutes } from './reports.routes.js';
import type { ReportScheduleSpec } from './schedule.schema.js';
import { renderReport } from './template.js';

export interface ReportOutput {
  html: string;
  pdf?: Buffer;
  /** The ids of the sites it covers: who may read it back. */
  siteIds: number[];
}

/** Where Chromium is and whom it runs as (audits' settings). */
export interface PdfPrinter {
  chromium: string;
  user: string;
}

/** Makes reports over a result store, a maintenance calendar and objectives (the server's, or the CLI's own). */
export function reportMaker(core: Core, store: ResultStore, calendar: MaintenanceCalendar, objectives: ObjectivesService) {
  const service = new ReportService(core.storage.db, core.sites, core.users, store, objectives, core.audits, calendar, core.clock);
  return async (request: ReportRequest, pdf?: PdfPrinter): Promise<ReportOutput> => {
    const { model, siteIds } = await service.build(request, core.clock.now());
    const html = renderReport(model);
    return pdf ? { html, pdf: await printPdf(html, pdf), siteIds } : { html, siteIds };
  };
}

/**
 * A monthly report from an open core (the CLI's `upkeep report`): reads results through a result
 * store of its own (reading only: nothing is recorded), the maintenance calendar for objectives
 * that leave maintenance out, and prints to PDF when asked. The brand and language not given are
 * those of the team's (or site's) report schedule, so a report made by hand looks like the one sent.
 */
export async function makeReport(core: Core, given: ReportRequest, pdf?: PdfPrinter): Promise<ReportOutput> {
  const objects = new ConfigObjectsRepository(core.storage.db);
  const schedule = (await objects.all('report'))
    .map((o) => JSON.parse(o.spec) as ReportScheduleSpec)
    .find((s) => (given.team !== undefined && s.team === given.team) || (given.site !== undefined && s.site === given.site));
  const request = { ...given, language: given.language ?? schedule?.language, brand: given.brand ?? schedule?.brand };
  const log = core.logger.child({ component: 'reports' });
  const store = new ResultStore(core.storage.db, core.clock, log, { keepRawMs: Number.MAX_SAFE_INTEGER });
  await store.start();
  try {
    const calendar = new MaintenanceCalendar();
    const windows = await objects.all('maintenance');
    calendar.set(windows.map((o) => ({ name: o.name, spec: JSON.parse(o.spec) as MaintenanceSpec })));
    const objectives = new ObjectivesService(core.storage.db, core.sites, store, calendar, core.clock, log, undefined, core.audits);
    return await reportMaker(core, store, calendar, objectives)(request, pdf);
  } finally {
    await store.stop();
  }
}

export interface Reports {
  service: ReportsService;
  apiRoutes(api: FastifyInstance): void;
}

/**
 * Reports in the server: made over the engine's results, the incidents' calendar and the objectives,
 * printed with audits' Chromium, their emails delivered by the outbox as a kind of recipient.
 */
export function createReports(
  core: Core,
  config: Config,
  deps: { results: ResultStore; calendar: MaintenanceCalendar; objectives: ObjectivesService; outbox: OutboxSender },
): Reports {
  const archive = new ArchiveRepository(core.storage.db);
  deps.outbox.addRecipients(REPORT_RECIPIENT, reportRecipients({ archive, channel: (id) => core.channels.find(id) }));
  const service = new ReportsService({
    db: core.storage.db,
    clock: core.clock,
    log: core.logger.child({ component: 'reports' }),
    channels: core.channels,
    make: reportMaker(core, deps.results, deps.calendar, deps.objectives),
    printer: { chromium: config.audits.chromium, user: config.audits.chromiumUser },
    wake: () => deps.outbox.wake(),
  });
  return { service, apiRoutes: (api) => reportsRoutes(api, service) };
}
