import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { openCore } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import { parseConfig } from '../src/config-file.js';
import { silentLogger } from '../src/lib/logger.js';
import { createRuntime } from '../src/runtime.js';
import { tempDir } from '../test/support/databases.js';
import { seedHistory } from '../test/support/status-history.js';

export const title = 'Status pages: a 20-component page with 90 days of history, cached, under a loopback load generator (autocannon)';

const load = (url: string, headers: Record<string, string> = {}) => autocannon({ url, connections: 32, duration: 8, headers });

export async function run(): Promise<Record<string, number>> {
  const dir = tempDir();
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
  const file = {
    sites: Array.from({ length: 20 }, (_, i) => ({
      name: `Site ${i}`,
      monitors: [{ name: 'Home', type: 'http', url: `http://127.0.0.1:9/${i}`, interval: '24h', paused: true }],
    })),
    statusPages: [
      {
        slug: 'bench',
        title: 'Bench status',
        components: Array.from({ length: 20 }, (_, i) => ({ name: `Component number ${i + 1}`, monitors: [`Site ${i}/Home`] })),
      },
    ],
  };
  const loaded = parseConfig(stringify(file), 'bench.yaml', {});
  await core.sync.apply(loaded, { dryRun: false });
  const ids = (await core.sites.listMonitors({ limit: 50 })).items.map((m) => m.id);
  await seedHistory(core.storage.db, ids, 89, Date.now(), (id, ago) => ((id + ago) % 17 === 0 ? 6 : 0));
  const runtime = await createRuntime(core, loaded.config);
  await runtime.start();
  try {
    const base = await runtime.http.listen({ port: 0, host: '127.0.0.1' });
    const page = `${base}/status/bench`;
    let t = performance.now();
    const html = await (await fetch(page)).text();
    const firstMs = performance.now() - t;
    const css = await (await fetch(`${page}/page.css`)).text();
    runtime.statusPages.pages.invalidate();
    t = performance.now();
    await fetch(page);
    const rerenderMs = performance.now() - t;

    const cached = await load(page);
    const etag = (await fetch(page)).headers.get('etag')!;
    const revalidated = await load(page, { 'if-none-match': etag });
    const json = await load(`${page}/summary.json`);
    return {
      'page weight, HTML + CSS + JS (kB)': (Buffer.byteLength(html) + Buffer.byteLength(css)) / 1024,
      'HTML (kB)': Buffer.byteLength(html) / 1024,
      'CSS (kB)': Buffer.byteLength(css) / 1024,
      'JS (kB)': 0,
      'first render, 90 days × 20 monitors (ms)': firstMs,
      'render after a change (ms)': rerenderMs,
      'cached page (requests/s)': cached.requests.average,
      'cached page p99 latency (ms)': cached.latency.p99,
      'cached page errors + non-2xx': cached.errors + cached.non2xx,
      'conditional GET, 304 (requests/s)': revalidated.requests.average,
      'conditional GET p99 latency (ms)': revalidated.latency.p99,
      'summary.json (requests/s)': json.requests.average,
      'summary.json p99 latency (ms)': json.latency.p99,
    };
  } finally {
    await runtime.stop();
    await core.close();
    dir.cleanup();
  }
}
