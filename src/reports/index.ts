import type { Core } from '../app.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import { MaintenanceCalendar } from '../incidents/maintenance.js';
import { ResultStore } from '../monitoring/results.service.js';
import { ObjectivesService } from '../objectives/objectives.service.js';
import { printPdf } from './pdf.js';
import { ReportService, type ReportRequest } from './report.service.js';
import { renderReport } from './template.js';

export interface ReportOutput {
  html: string;
  pdf?: Buffer;
}

/**
 * A monthly report from an open core (the CLI's `upkeep report`): reads results through a result
 * store of its own (reading only: nothing is recorded), the maintenance calendar for objectives
 * that leave maintenance out, and prints to PDF when asked.
 */
export async function makeReport(core: Core, request: ReportRequest, pdf?: { chromium: string; user: string }): Promise<ReportOutput> {
  const log = core.logger.child({ component: 'reports' });
  const store = new ResultStore(core.storage.db, core.clock, log, { keepRawMs: Number.MAX_SAFE_INTEGER });
  await store.start();
  try {
    const calendar = new MaintenanceCalendar();
    const windows = await new ConfigObjectsRepository(core.storage.db).all('maintenance');
    calendar.set(windows.map((o) => ({ name: o.name, spec: JSON.parse(o.spec) as MaintenanceSpec })));
    const objectives = new ObjectivesService(core.storage.db, core.sites, store, calendar, core.clock, log);
    const model = await new ReportService(core.storage.db, core.sites, core.users, store, objectives, core.audits, calendar, core.clock).build(
      request,
      core.clock.now(),
    );
    const html = renderReport(model);
    return pdf ? { html, pdf: await printPdf(html, pdf) } : { html };
  } finally {
    await store.stop();
  }
}
