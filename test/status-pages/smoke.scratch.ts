import { startHttpServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase } from '../support/databases.js';
import { testRuntime } from '../support/http.js';
import { until } from '../support/receivers.js';

const target = await startHttpServer((req, res) => (req.url === '/down' ? res.writeHead(503).end('x') : res.end('ok')));
const db = await createTestDatabase('sqlite');
const core = await openTestCore(db);
const loaded = config(`
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 1s, retryInterval: 1s, timeout: 1s }
      - { name: Cart, type: http, url: "${target.url('/down')}", interval: 1s, retryInterval: 1s, timeout: 1s }
maintenance:
  - { name: DB upgrade, start: "${new Date(Date.now() + 3600e3).toISOString()}", end: "${new Date(Date.now() + 7200e3).toISOString()}", sites: [Shop], description: "We **upgrade** the database." }
statusPages:
  - slug: acme
    title: Acme status
    components:
      - { name: Web shop, monitors: ["Shop/Home"] }
      - { name: Checkout, monitors: ["Shop/Cart"] }
`, {});
await core.sync.apply(loaded, { dryRun: false });
const s = await testRuntime(core, loaded.config);
await until('incident', async () => (await s.incidents.service.list({ limit: 5 })).length > 0, 10000);
await new Promise((r) => setTimeout(r, 1500));
for (const u of ['/status/acme', '/status/acme/summary.json', '/status/acme/rss', '/status/acme/maintenance.ics', '/status/acme/embed.json']) {
  const r = await s.app.inject({ url: u });
  console.log('==', u, r.statusCode, r.headers['content-type'], r.headers['content-security-policy'], r.body.length);
  console.log(r.body.slice(0, 3000));
}
await s.close(); await core.close(); await db.cleanup(); await target.close();
