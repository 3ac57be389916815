import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { ownerOf } from '../../src/cluster/rendezvous.js';
import { stateToRow } from '../../src/monitoring/state-store.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { countingTarget } from '../support/process.js';
import { sleep, until } from '../support/receivers.js';

const NODES = ['a', 'b', 'c'] as const;
const MONITORS = 12;

/**
 * Three nodes in one process on one PostgreSQL, monitors checked every second: node b shows the states that
 * a and c write (API status, last check) within about two seconds, taken from the nodes' messages without
 * reading the database; a state too long for a message is read, once a second at most however many nodes
 * name such states (each node commits its states every second).
 */
describe.skipIf(postgresSkipReason)('cluster mode: following the other nodes’ states (PostgreSQL)', () => {
  let db: TestDatabase;
  let target: Awaited<ReturnType<typeof countingTarget>>;
  const cores: Core[] = [];
  const servers: TestApp[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.close();
    for (const core of cores) await core.close();
    await target?.close();
    await db?.cleanup();
  });

  it('shows on node b a status change checked on node a within 3 s, reading no state but those too long to tell', async () => {
    db = await createTestDatabase('postgres');
    target = await countingTarget();
    for (const nodeId of NODES) {
      const core = await openTestCore(db);
      cores.push(core);
      servers.push(await testServer(core, { cluster: { enabled: true, nodeId, leaseSeconds: 5 } }));
    }
    const [a, b] = servers as [TestApp, TestApp, TestApp];
    const headers = { authorization: `Bearer ${(await cores[0]!.accounts.createToken({ name: 'admin', scope: 'write' })).token}` };
    const siteId = (await a.app.inject({ method: 'POST', url: '/api/v1/sites', headers, payload: { name: 'Shop' } })).json<{ id: number }>().id;
    const ids: number[] = [];
    for (let m = 0; m < MONITORS; m++) {
      const res = await a.app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteId}/monitors`,
        headers,
        payload: { name: `M${m}`, type: 'http', url: target.url(`/m${m}`), interval: '1s', timeout: '1s', downAfter: 1 },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json<{ id: number }>().id);
    }
    const ofA = ids.filter((id) => ownerOf(id, NODES) === 'a');
    const ofC = ids.filter((id) => ownerOf(id, NODES) === 'c');
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofC.length).toBeGreaterThan(0);
    const statusOn = async (node: TestApp, id: number) =>
      (await node.app.inject({ method: 'GET', url: `/api/v1/monitors/${id}/status`, headers })).json<{
        status?: string;
        lastCheckAt?: string | null;
        lastMessage?: string | null;
      }>();
    // Every node has every monitor, and node b shows those of a and c up (followed, not checked there).
    await until(
      'node b to show the monitors of a and c up',
      async () => (await Promise.all([...ofA, ...ofC].map((id) => statusOn(b, id)))).every((s) => s.status === 'up'),
      30_000,
    );

    const repo = b.engine.results.repository;
    const statesOf = repo.statesOf.bind(repo);
    const reads: number[] = [];
    repo.statesOf = (monitorIds) => {
      reads.push(Date.now());
      return statesOf(monitorIds);
    };
    try {
      const from = Date.now();
      const [watched] = ofA;
      const before = Date.parse((await statusOn(b, watched!)).lastCheckAt!);
      target.down.add(`/m${ids.indexOf(watched!)}`);
      const downOnA = await until(
        'node a to see its monitor down',
        () => (a.engine.stateOf(watched!)?.state.status === 'down' ? Date.now() : undefined),
        10_000,
      );
      const downOnB = await until('node b to show it down', async () => ((await statusOn(b, watched!)).status === 'down' ? Date.now() : undefined), 10_000);
      console.info(`a status change on node a reached node b's API ${downOnB - downOnA} ms later`);
      expect(downOnB - downOnA).toBeLessThan(3_000);
      expect(Date.parse((await statusOn(b, watched!)).lastCheckAt!)).toBeGreaterThan(before);
      // Two nodes tell b their states every second, in their messages: b reads none of them.
      await sleep(Math.max(0, from + 5_000 - Date.now()));
      expect(reads).toEqual([]);

      // A state too long for a message (NOTIFY carries 8,000 bytes) is named, and b reads it: once a second at most.
      const long = 'x'.repeat(9_000);
      const tell = setInterval(() => {
        for (const [node, id] of [
          [a, ofA[1] ?? ofA[0]!],
          [servers[2]!, ofC[0]!],
        ] as const) {
          node.engine.results.recordState(stateToRow(id, { ...node.engine.stateOf(id)!.state, lastMessage: long }, {}, Date.now()), []);
        }
      }, 200);
      const named = Date.now();
      try {
        await until('node b to show the long message', async () => ((await statusOn(b, ofC[0]!)).lastMessage === long ? true : undefined), 10_000);
        await sleep(Math.max(0, named + 8_000 - Date.now()));
      } finally {
        clearInterval(tell);
      }
      const seconds = (Date.now() - named) / 1000;
      console.info(`node b read the others' long states ${reads.length} times in ${seconds.toFixed(1)} s`);
      expect(reads.length).toBeGreaterThan(seconds / 2);
      expect(reads.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      for (let i = 1; i < reads.length; i++) expect(reads[i]! - reads[i - 1]!).toBeGreaterThanOrEqual(990);
    } finally {
      repo.statesOf = statesOf;
    }
  }, 120_000);
});
