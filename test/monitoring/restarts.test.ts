import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../src/monitoring/scheduler.js';
import { startServerProcess, type ServerProcess } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { apiClient, countingTarget, tokenFor } from '../support/process.js';
import { sleep } from '../support/receivers.js';

const INTERVAL = 300_000;
const MONITORS = 12;
const LIFE_MS = 45_000;
/** Starts of the server: four by default (about 3.5 minutes); UPKEEP_RESTART_LIVES=7 runs the six restarts. */
const LIVES = Number(process.env.UPKEEP_RESTART_LIVES ?? 4);
/** A slot that falls while the process is down is caught up within this long of the next start. */
const CATCH_UP_MS = 10_000;

describe('five-minute monitors in a server restarted every 45 s', () => {
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it(
    'are all checked: each slot on the clock is kept, or caught up right after the start that missed it, and nothing more',
    async () => {
      const target = await countingTarget();
      db = await createTestDatabase('sqlite');
      const token = await tokenFor(db, 'read');
      const file = join(db.dataDir, 'upkeep.yaml');
      const paths = Array.from({ length: MONITORS }, (_, i) => `/m-${i}`);
      const monitors = paths.map((p, i) => `      - { name: M${i}, type: http, url: "${target.url(p)}", interval: 5m, timeout: 2s }`).join('\n');
      writeFileSync(file, `sites:\n  - name: Fleet\n    monitors:\n${monitors}\n`);
      const args = ['--config', file, '--data-dir', db.dataDir, '--allow-private'];
      /** Each start of the process: when it was running (engine started), and when it was told to stop. */
      const lives: { ready: number; stopped: number }[] = [];
      let ids = new Map<string, number>();
      let server: ServerProcess | undefined;
      const start = Date.now();
      try {
        for (let life = 0; life < LIVES; life++) {
          server = await startServerProcess(args);
          const ready = Date.now();
          if (!ids.size) {
            const list = (await apiClient(() => server!.url, token)('GET', '/monitors?limit=100')).body as { data: { id: number; url: string }[] };
            ids = new Map(list.data.map((m) => [new URL(m.url).pathname, m.id]));
          }
          await sleep(LIFE_MS);
          lives.push({ ready, stopped: Date.now() });
          server.child.kill('SIGTERM');
          await server.exited;
        }
      } finally {
        server?.child.kill('SIGKILL');
        await target.close();
      }
      const end = lives.at(-1)!.stopped;
      const report: string[] = [];
      for (const path of paths) {
        const id = ids.get(path)!;
        const checks = target.served.get(path) ?? [];
        const phase = phaseOf(id, INTERVAL);
        const slots: number[] = [];
        for (let s = phase + Math.ceil((start - phase) / INTERVAL) * INTERVAL; s < end; s += INTERVAL) slots.push(s);
        // A slot is kept by a check at its time, or, when the process was not running then, right after the next start.
        // (A slot in the last moments before a stop may fall to the next start; after the last stop, to none.)
        for (const slot of slots) {
          const k = lives.findIndex((l) => l.stopped > slot);
          const life = slot > lives[k]!.stopped - 2_000 ? lives[k + 1] : lives[k];
          if (!life) continue;
          const by = Math.max(slot, life.ready) + CATCH_UP_MS;
          if (!checks.some((t) => t >= slot && t <= by))
            report.push(`${path} (monitor ${id}): no check for its slot at +${Math.round((slot - start) / 1000)} s`);
        }
        if (!checks.length) report.push(`${path} (monitor ${id}): never checked`);
        // The first start catches every new monitor up once; after that, one check per slot.
        if (checks.length > 1 + slots.length) report.push(`${path} (monitor ${id}): ${checks.length} checks for ${slots.length} slots`);
      }
      expect(report).toEqual([]);
    },
    LIVES * (LIFE_MS + 25_000) + 30_000,
  );
});
