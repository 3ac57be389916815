import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startServerProcess, type ServerProcess } from '../support/cli.js';
import { testEnv } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

describe('the server process', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    server = await startServerProcess(['--config', 'examples/upkeep.yaml', '--data-dir', db.dataDir], { UPKEEP_WEBHOOK_SECRET: 'a-secret-of-enough-length' });
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await db?.cleanup();
  });

  it('starts with the example config: healthy, described, and closed to strangers', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    const res = await fetch(`${server.url}/api/v1/sites`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(server.output()).toContain('Applied: 5 to create');
  });

  it('stops on SIGTERM within 10 seconds, exiting 0', async () => {
    const started = Date.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.output()).toContain('stopped');
  });
});

describe.each(dialects)('a SIGKILL during a burst of API writes on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('loses no answered write and leaves a database that passes its integrity check', async () => {
    db = await createTestDatabase(dialect);
    const env = testEnv(db);
    const setup = await openCore({ dataDir: db.dataDir, env, logger: silentLogger() });
    const { token } = await setup.accounts.createToken({ name: 'burst', scope: 'write' });
    await setup.close();

    const server = await startServerProcess(['--data-dir', db.dataDir], { UPKEEP_DATABASE_URL: db.url });
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `burst ${w}-${i}`;
        try {
          const res = await fetch(`${server.url}/api/v1/sites`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name, tags: ['burst'] }),
          });
          if (res.status === 201) acknowledged.push(name);
        } catch {
          return; // the process is gone
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    while (acknowledged.length < 150) await new Promise((r) => setTimeout(r, 10));
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(writers);

    const after = await openCore({ dataDir: db.dataDir, env, logger: silentLogger() });
    try {
      expect(await after.storage.integrityCheck()).toEqual([]);
      const names = new Set<string>();
      for (let cursor: number | undefined; ;) {
        const page = await after.sites.listSites({ limit: 500, tag: 'burst', afterId: cursor });
        for (const site of page.items) names.add(site.spec.name);
        if (!page.nextCursor) break;
        cursor = Number(page.nextCursor);
      }
      expect(names.size).toBeGreaterThanOrEqual(acknowledged.length);
      expect(acknowledged.filter((n) => !names.has(n))).toEqual([]);
    } finally {
      await after.close();
    }
    // And the server starts again on the same data.
    const again = await startServerProcess(['--data-dir', db.dataDir], { UPKEEP_DATABASE_URL: db.url });
    expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  }, 60_000);
});
