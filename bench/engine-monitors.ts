import type { Core } from '../src/app.js';
import { monitorSchema } from '../src/monitoring/monitor.schema.js';
import { SitesRepository } from '../src/sites/sites.repository.js';

/** The tag of the sites a maintenance window covers in the engine bench: one site in a hundred. */
export const MAINTENANCE_TAG = 'night-work';

/** `n` HTTP monitors at 60 s over 16 loopback hosts, a hundred per site, in one transaction. */
export async function addMonitors(core: Core, n: number, port: number): Promise<void> {
  await core.storage.db.transaction().execute(async (trx) => {
    const repo = new SitesRepository(trx);
    const now = Date.now();
    let siteId = 0;
    for (let i = 0; i < n; i++) {
      const site = i / 100;
      if (i % 100 === 0)
        siteId = await repo.insertSite(core.siteCodec.siteToWrite({ name: `Site ${site}`, tags: site % 100 === 0 ? [MAINTENANCE_TAG] : [] }, 'api', {}), now);
      const spec = monitorSchema.parse({
        name: `Page ${i}`,
        type: 'http',
        url: `http://127.0.0.${1 + (i % 16)}:${port}/p${i}`,
        interval: '60s',
        expect: { contains: 'Add to cart' },
      });
      await repo.insertMonitor(core.siteCodec.monitorToWrite(siteId, spec, 'api', {}), now);
    }
  });
}
