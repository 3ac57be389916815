import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';

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

const PASSWORD = 'a live password 123';

/** Logs in over HTTP: the session cookie and the CSRF token. */
async function login(email: string) {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const cookie = /upkeep_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

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

  it('a stream ends at logout, and a token’s stream when its account is disabled', async () => {
    await core.accounts.createUser({ email: 'live@agency.test', password: PASSWORD, role: 'viewer' });
    const session = await login('live@agency.test');
    const byCookie = await fetch(`${base}/api/v1/stream`, { headers: { cookie: session.cookie } });
    expect(byCookie.status).toBe(200);
    const loggedOut = await fetch(`${base}/api/v1/session`, { method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(loggedOut.status).toBe(204);
    expect(await endsWithin(byCookie, 10_000)).toBe(true);

    const user = (await core.users.list()).find((u) => u.email === 'live@agency.test')!;
    const token = (await core.accounts.createToken({ name: 'live', scope: 'read', userId: user.id })).token;
    const byToken = await fetch(`${base}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(byToken.status).toBe(200);
    const admin = (await core.accounts.createToken({ name: 'admin', scope: 'write' })).token;
    const disabled = await fetch(`${base}/api/v1/users/${user.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ disabled: true }),
    });
    expect(disabled.status).toBe(200);
    expect(await endsWithin(byToken, 10_000)).toBe(true);
  }, 30_000);

  it('a stream follows a team change: the sites of the old team are no longer streamed, the new team’s are', async () => {
    const admin = (await core.accounts.createToken({ name: 'admin', scope: 'write' })).token;
    const asAdmin = (method: string, path: string, body: unknown) =>
      fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const siteA = await core.sites.createSite({ name: 'Team A site', tags: ['team-a'] });
    const siteB = await core.sites.createSite({ name: 'Team B site', tags: ['team-b'] });
    await asAdmin('PUT', '/teams/Live A', { tags: ['team-a'] });
    await asAdmin('PUT', '/teams/Live B', { tags: ['team-b'] });
    const member = (await (
      await asAdmin('POST', '/users', { email: 'member@client.test', password: PASSWORD, role: 'viewer', teams: [{ team: 'Live A', role: 'viewer' }] })
    ).json()) as { id: number };
    const token = (await core.accounts.createToken({ name: 'member', scope: 'read', userId: member.id })).token;
    const stream = await fetch(`${base}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asAdmin('PATCH', `/users/${member.id}`, { teams: [{ team: 'Live B', role: 'viewer' }] })).status).toBe(200);
    // A's monitor comes up first (its change stored, so published), then B's: the stream must carry B's change and not A's.
    const inA = await core.sites.createMonitor(siteA.id, { name: 'A home', type: 'http', url: target.url('/'), interval: '1s' });
    await server.engine.pollChanges();
    await until(
      'A’s change to be stored',
      async () =>
        ((await (await fetch(`${base}/api/v1/monitors/${inA.id}/events`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { data: unknown[] })
          .data.length > 0,
      10_000,
    );
    await core.sites.createMonitor(siteB.id, { name: 'B home', type: 'http', url: target.url('/'), interval: '1s' });
    await server.engine.pollChanges();
    const events = await readEvents(stream, (e) => e.some((x) => x.event === 'monitor' && x.data.siteId === siteB.id), 10_000);
    expect(events.some((x) => x.data.siteId === siteB.id)).toBe(true);
    expect(events.filter((x) => x.data.siteId === siteA.id)).toEqual([]);
  }, 30_000);
});
