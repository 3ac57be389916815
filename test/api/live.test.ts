import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let target: TestServer;
let base: string;

beforeAll(async () => {
  target = await startHttpServer((_req, res) => res.end('ok'));
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  await target?.close();
});

/** Reads server-sent events until `want` says enough. */
async function readEvents(res: Response, want: (events: { event: string; data: Record<string, unknown> }[]) => boolean, timeoutMs: number) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (!want(events) && Date.now() < deadline) {
    const { value, done } = await Promise.race([
      reader.read(),
      new Promise<{ value: undefined; done: true }>((r) => setTimeout(() => r({ value: undefined, done: true }), deadline - Date.now())),
    ]);
    if (done) break;
    buffer += value;
    for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  await reader.cancel();
  return events;
}

describe('live updates', () => {
  it('streams monitor status changes of the sites the caller may see', async () => {
    const token = (await core.accounts.createToken({ name: 't', scope: 'write' })).token;
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${base}/api/v1/stream`)).status).toBe(401);
    const stream = await fetch(`${base}/api/v1/stream`, { headers });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const site = await core.sites.createSite({ name: 'Live' });
    await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: target.url('/'), interval: '1s' });
    await server.engine.pollChanges();
    const events = await readEvents(stream, (e) => e.some((x) => x.event === 'monitor' && x.data.to === 'up'), 10_000);
    expect(events.find((x) => x.event === 'monitor')).toMatchObject({ data: { siteId: site.id, from: 'pending', to: 'up' } });
  }, 20_000);
});
