import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Core } from '../app.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import { MaintenanceCalendar } from '../incidents/maintenance.js';
import { AppError } from '../lib/errors.js';
import { ResultStore } from '../monitoring/results.service.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { isPrivate } from './access.js';
import { feedOf, maintenanceCalendar, summaryJson } from './documents.js';
import { embedJson } from './embed.js';
import { renderPage } from './html.js';
import { buildPageModel, membersOf } from './model.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { stylesheetOf } from './stylesheet.js';
import { withStatusTables } from './tables.js';
import { DailyUptime } from './uptime.js';

export interface StaticExport {
  files: string[];
  bytes: number;
}

/**
 * A self-contained copy of a page for other hosting, so it stays up when this server is down:
 * index.html with its stylesheet, JSON, feeds, calendar and embed data, all linked relatively and
 * with the CSP in a meta tag. Read from the database (the monitors' last stored states), so it
 * works from the CLI while the server runs. Files are replaced atomically. Private pages are
 * refused: a static copy cannot ask for a password.
 */
export async function exportStatic(core: Core, slug: string, dir: string, url: string | undefined): Promise<StaticExport> {
  const row = await new StatusPagesRepository(withStatusTables(core.storage.db)).bySlug(slug);
  if (!row) throw new AppError('not_found', `no status page has the slug "${slug}"`);
  const page = core.statusPageCodec.fromRow(row);
  if (isPrivate(page.spec)) throw new AppError('invalid_input', `status page "${slug}" is private (access:); a static copy could not keep it so`);

  const results = new ResultStore(core.storage.db, core.clock, core.logger, { keepRawMs: Infinity });
  await results.start();
  try {
    const states = new Map((await results.repository.allStates()).map((s) => [s.monitor_id, s.status]));
    const calendar = new MaintenanceCalendar();
    calendar.set(
      (await new ConfigObjectsRepository(core.storage.db).all('maintenance')).map((o) => ({ name: o.name, spec: JSON.parse(o.spec) as MaintenanceSpec })),
    );
    const members = membersOf(page.spec, await new SitesRepository(core.storage.db).allMonitors());
    const model = await buildPageModel(page.id, page.spec, members, {
      db: core.storage.db,
      status: (id) => states.get(id),
      uptime: new DailyUptime((id, from, to) => results.summary(id, from, to)),
      upcoming: (from, to) => calendar.upcoming(from, to),
      now: () => core.clock.now(),
    });
    const pageUrl = url?.replace(/\/*$/, '/') ?? './';
    const logo = page.spec.logo ? ` ${new URL(page.spec.logo).origin}` : '';
    const html = renderPage(model, {
      css: 'page.css',
      rss: 'rss.xml',
      atom: 'atom.xml',
      ics: 'maintenance.ics',
      json: 'summary.json',
      subscribe: null,
      metaCsp: `default-src 'none'; style-src 'self'; img-src 'self' data:${logo}; base-uri 'none'; form-action 'none'`,
    });
    const feed = feedOf(model, pageUrl, { rss: `${pageUrl}rss.xml`, atom: `${pageUrl}atom.xml` });
    const files: Record<string, string> = {
      'index.html': html,
      'page.css': stylesheetOf(page.spec),
      'summary.json': JSON.stringify(summaryJson(model, pageUrl)),
      'rss.xml': feed.rss2(),
      'atom.xml': feed.atom1(),
      'maintenance.ics': maintenanceCalendar(model, pageUrl, url ? new URL(url).hostname : 'localhost'),
      'embed.json': JSON.stringify(embedJson(model, pageUrl)),
    };
    await mkdir(dir, { recursive: true });
    for (const [name, body] of Object.entries(files)) {
      const path = join(dir, name);
      await writeFile(`${path}.tmp`, body);
      await rename(`${path}.tmp`, path);
    }
    return { files: Object.keys(files), bytes: Object.values(files).reduce((n, b) => n + Buffer.byteLength(b), 0) };
  } finally {
    await results.stop();
  }
}
