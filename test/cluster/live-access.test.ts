import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

/** Whether the server ends the stream within `timeoutMs` (keep-alives and events are read past). */
async function endsWithin(res: Response, timeoutMs: number): Promise<boolean> {
  const reader = res.body!.getReader();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const { done } = await Promise.race([reader.read(), new Promise<{ done: false }>((r) => setTimeout(() => r({ done: false }), left))]);
    if (done) return true;
  }
  await reader.cancel();
  return false;
}

/**
 * A dashboard stream open on one node of a cluster while its caller's account is disabled through
 * another node: the change travels to every node, so the stream ends there too (not at its next
 * keep-alive, 15 s on, with the events of sites its caller may no longer see flowing meanwhile).
 */
describe.skipIf(postgresSkipReason)('cluster mode: live streams and account changes on another node (PostgreSQL)', () => {
  let db: TestDatabase;
  const cores: Core[] = [];
  const servers: TestApp[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.close();
    for (const core of cores) await core.close();
    await db?.cleanup();
  });

  it('ends the stream on node b when the account is disabled on node a', async () => {
    db = await createTestDatabase('postgres');
    for (const nodeId of ['a', 'b']) {
      const core = await openTestCore(db);
      cores.push(core);
      servers.push(await testServer(core, { cluster: { enabled: true, nodeId, leaseSeconds: 5 } }));
    }
    const [a, b] = servers as [TestApp, TestApp];
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    const core = cores[0]!;
    const user = await core.accounts.createUser({ email: 'viewer@client.test', password: 'a live password 123', role: 'viewer' });
    const token = (await core.accounts.createToken({ name: 'viewer', scope: 'read', userId: user.id })).token;
    const admin = (await core.accounts.createToken({ name: 'admin', scope: 'write' })).token;

    const stream = await fetch(`http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}/api/v1/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stream.status).toBe(200);
    const disabled = await a.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user.id}`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { disabled: true },
    });
    expect(disabled.statusCode).toBe(200);
    expect(await endsWithin(stream, 10_000)).toBe(true);
  }, 60_000);
});
