import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestCore } from '../support/core.js';
import { startServerProcess } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { apiClient, countingTarget, tokenFor } from '../support/process.js';
import { until } from '../support/receivers.js';

const STEADY = ['/steady-1', '/steady-2', '/steady-3'];

describe('a monitor deleted right after its check, in the server process', () => {
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('blocks no other monitor: their results keep being stored, and SIGTERM writes everything buffered', async () => {
    const target = await countingTarget();
    db = await createTestDatabase('sqlite');
    const token = await tokenFor(db);
    const file = join(db.dataDir, 'upkeep.yaml');
    const monitors = STEADY.map((p, i) => `      - { name: Steady ${i + 1}, type: http, url: "${target.url(p)}", interval: 1s, timeout: 2s }`).join('\n');
    writeFileSync(file, `sites:\n  - name: Steady\n    monitors:\n${monitors}\n`);
    const server = await startServerProcess(['--config', file, '--data-dir', db.dataDir, '--allow-private']);
    const api = apiClient(() => server.url, token);
    try {
      const steady = ((await api('GET', '/monitors?limit=10')).body as { data: { id: number }[] }).data.map((m) => m.id);
      expect(steady).toHaveLength(3);
      const stored = async () => {
        let n = 0;
        for (const id of steady) n += ((await api('GET', `/monitors/${id}/results?limit=1000`)).body as { data: unknown[] }).data.length;
        return n;
      };
      const scratch = (await api('POST', '/sites', { name: 'Scratch' })).body as { id: number };
      // A check runs, and its monitor is deleted while the result waits for the next batch write (about
      // nine times in ten the delete comes before that write); again until it did at least twice.
      const struck = () => server.output().split('dropped the results and events of deleted monitors').length - 1;
      for (let i = 0; i < 12 && struck() < 2; i++) {
        const made = await api('POST', `/sites/${scratch.id}/monitors`, { name: `Gone ${i}`, type: 'http', url: target.url(`/gone-${i}`), interval: '1h' });
        expect(made.status).toBe(201);
        const id = (made.body as { id: number }).id;
        await until('the monitor to be loaded', async () => (await api('POST', `/monitors/${id}/check`)).status === 202, 10_000);
        await until('its check to finish', async () => ((await api('GET', `/monitors/${id}/status`)).body as { recent?: unknown[] }).recent?.length, 10_000);
        const before = struck();
        expect((await api('DELETE', `/monitors/${id}`)).status).toBe(204);
        await until('the next batch write', () => struck() > before, 1_500).catch(() => undefined);
      }
      const after = await stored();
      await until('the other monitors’ results to keep being stored', async () => (await stored()) >= after + 6, 15_000);
      expect(struck()).toBeGreaterThanOrEqual(1);

      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      const core = await openTestCore(db);
      try {
        // Every check the target answered has its result in the database: nothing buffered was lost.
        for (const [i, id] of steady.entries()) {
          const rows = await core.storage.db.selectFrom('check_results').select('at').where('monitor_id', '=', id).execute();
          expect(rows.length).toBe(target.count(STEADY[i]!));
        }
        expect(await core.storage.integrityCheck()).toEqual([]);
      } finally {
        await core.close();
      }
    } finally {
      server.child.kill('SIGKILL');
      await target.close();
    }
  }, 90_000);
});
