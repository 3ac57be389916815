import { stringify } from 'yaml';
import { openCore } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import { parseConfig } from '../src/config-file.js';
import { silentLogger } from '../src/lib/logger.js';
import { tempDir } from '../test/support/databases.js';

export const title = 'Config as code: validating and applying a file of 10,000 monitors (SQLite)';

export async function run(): Promise<Record<string, number>> {
  const sites = Array.from({ length: 1_000 }, (_, s) => ({
    name: `Site ${s}`,
    url: `https://site-${s}.example.com`,
    tags: [`client-${s % 50}`],
    monitors: Array.from({ length: 10 }, (_, m) => ({ name: `Check ${m}`, type: 'http', url: `https://site-${s}.example.com/${m}`, interval: '60s' })),
  }));
  const text = stringify({ sites });
  const dir = tempDir();
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
  try {
    let t = performance.now();
    const loaded = parseConfig(text, 'bench.yaml', {});
    const parseMs = performance.now() - t;
    t = performance.now();
    await core.sync.apply(loaded, { dryRun: false });
    const firstMs = performance.now() - t;
    t = performance.now();
    const again = await core.sync.apply(loaded, { dryRun: false });
    const secondMs = performance.now() - t;
    t = performance.now();
    const pages = 200;
    for (let i = 0; i < pages; i++) await core.sites.listMonitors({ limit: 50, tag: `client-${i % 50}`, afterId: i * 10 });
    const listMs = performance.now() - t;
    return {
      'monitors in file': 10_000,
      'file size (kB)': Math.round(text.length / 1024),
      'validate (monitors/s)': 10_000 / (parseMs / 1000),
      'first apply (monitors/s)': 10_000 / (firstMs / 1000),
      'no-change apply (monitors/s)': 10_000 / (secondMs / 1000),
      'no-change apply changes': again.items.length,
      'API list by tag (pages/s)': pages / (listMs / 1000),
    };
  } finally {
    await core.close();
    dir.cleanup();
  }
}
