import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';
import { mockProvider, type MockProvider } from './mock-provider.js';

/**
 * Stored secrets are bound to where they are sent. An editor who points a channel (or a monitor with
 * credentials) at their own receiver and keeps `********` is refused, and that receiver — a real
 * server on loopback recording every request and login — never sees the stored secret.
 */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let provider: MockProvider;
let attacker: MockProvider;
let headers: { authorization: string };

/** An SMTP server that accepts any login and records it. */
async function smtpRecorder() {
  const logins: string[] = [];
  const smtp = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (auth, _session, callback) => {
      logins.push(`${auth.username}:${auth.password}`);
      callback(null, { user: auth.username });
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return { port: (smtp.server.address() as AddressInfo).port, logins, close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}
let smtpProvider: Awaited<ReturnType<typeof smtpRecorder>>;
let smtpAttacker: Awaited<ReturnType<typeof smtpRecorder>>;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  app = server.app;
  provider = await mockProvider();
  attacker = await mockProvider();
  smtpProvider = await smtpRecorder();
  smtpAttacker = await smtpRecorder();
  // An editor of the whole instance: channels are theirs to change.
  const editor = await core.accounts.createUser({ email: 'editor@agency.test', password: 'editor password 123', role: 'editor' });
  headers = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'e', scope: 'write', userId: editor.id })).token}` };
}, 30_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  await provider?.close();
  await attacker?.close();
  await smtpProvider?.close();
  await smtpAttacker?.close();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
/** Everything the attacker's receiver was sent, as one text. */
const seenByAttacker = () => attacker.requests.map((r) => `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n');
const alnum = (n: number, seed: string) => (seed + 'A'.repeat(n)).slice(0, n);
/** `{ 'headers.X-Api-Key': v }` as `{ headers: { 'X-Api-Key': v } }`. */
const nest = (flat: Record<string, string>) => {
  const out: Record<string, Record<string, string> | string> = {};
  for (const [path, value] of Object.entries(flat)) {
    const [head, key] = path.split('.') as [string, string | undefined];
    if (key) out[head] = { ...(out[head] as Record<string, string> | undefined), [key]: value };
    else out[head] = value;
  }
  return out;
};

/** Each channel type with secrets sent elsewhere than in its URL: the destination field and the secret fields (by path). */
const cases: { type: string; destination: string; secrets: Record<string, string>; rest: Record<string, unknown>; path?: string }[] = [
  { type: 'webhook', destination: 'url', path: '/hook', secrets: { secret: 'webhook-signing-SECRET-1', 'headers.X-Api-Key': 'SECRET-header-2' }, rest: {} },
  { type: 'telegram', destination: 'apiUrl', secrets: { botToken: '123456:SECRET-telegram-3' }, rest: { chatId: '-1001234567890' } },
  { type: 'matrix', destination: 'homeserver', secrets: { accessToken: 'syt_SECRET_matrix_4' }, rest: { roomId: '!room:example.org' } },
  { type: 'ntfy', destination: 'server', secrets: { token: 'tk_SECRETntfy5' }, rest: { topic: 'ops' } },
  { type: 'gotify', destination: 'server', secrets: { token: 'SECRETgotify6' }, rest: {} },
  { type: 'pushover', destination: 'apiUrl', secrets: { userKey: alnum(30, 'SECRETuser7'), appToken: alnum(30, 'SECRETapp8') }, rest: {} },
  { type: 'pagerduty', destination: 'apiUrl', secrets: { routingKey: alnum(32, 'SECRETrouting9') }, rest: {} },
  { type: 'opsgenie', destination: 'apiUrl', secrets: { apiKey: 'SECRET-opsgenie-10' }, rest: {} },
];

describe('stored secrets follow no re-pointed endpoint', () => {
  for (const c of cases) {
    it(`${c.type}: changing ${c.destination} needs the secret again; the new receiver never sees the stored one`, async () => {
      const created = await call('POST', '/channels', {
        type: c.type,
        name: `ops-${c.type}`,
        [c.destination]: `${provider.url}${c.path ?? ''}`,
        ...nest(c.secrets),
        ...c.rest,
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as number;
      const moved = `${attacker.url}${c.path ?? ''}`;
      const patched = await call('PATCH', `/channels/${id}`, { [c.destination]: moved });
      expect(patched.statusCode, patched.body).toBe(400);
      const message = `changing ${c.destination} needs the secret again`;
      expect(patched.json().error.details).toEqual(expect.arrayContaining(Object.keys(c.secrets).map((path) => ({ path, message }))));
      // The same through PUT with the whole definition as the API shows it.
      const { id: _id, managedBy: _m, createdAt: _c, updatedAt: _u, ...shown } = (await call('GET', `/channels/${id}`)).json();
      expect((await call('PUT', `/channels/${id}`, { ...shown, [c.destination]: moved })).statusCode).toBe(400);
      // "Send test" still goes where the secret belongs.
      await call('POST', `/channels/${id}/test`);
      expect(provider.requests.length).toBeGreaterThan(0);
      // Given anew, the change is made, and the new receiver gets the new secret only.
      const fresh = nest(Object.fromEntries(Object.entries(c.secrets).map(([k, v]) => [k, v.replace('SECRET', 'OTHERS')])));
      expect((await call('PATCH', `/channels/${id}`, { [c.destination]: moved, ...fresh })).statusCode).toBe(200);
      await call('POST', `/channels/${id}/test`);
      const seen = seenByAttacker();
      expect(attacker.requests.length).toBeGreaterThan(0);
      for (const secret of Object.values(c.secrets)) expect(seen).not.toContain(secret);
    });
  }

  it('email: changing smtp.host or smtp.port needs the password again; the other server never gets the login', async () => {
    const smtp = { host: '127.0.0.1', port: smtpProvider.port, security: 'none', username: 'upkeep', password: 'SECRET-smtp-password' };
    const created = await call('POST', '/channels', { type: 'email', name: 'ops-mail', from: 'upkeep@agency.test', to: ['ops@agency.test'], smtp });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    const patched = await call('PATCH', `/channels/${id}`, { smtp: { port: smtpAttacker.port } });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.details).toEqual([{ path: 'smtp.password', message: 'changing smtp.port needs the secret again' }]);
    expect((await call('POST', `/channels/${id}/test`)).json()).toMatchObject({ ok: true });
    expect(smtpProvider.logins).toEqual(['upkeep:SECRET-smtp-password']);
    expect(smtpAttacker.logins).toEqual([]);
  });

  it('http monitors: credentials are bound to the URL’s origin (a new path keeps them, another host needs them again)', async () => {
    const site = await core.sites.createSite({ name: 'Shop' });
    const made = await call('POST', `/sites/${site.id}/monitors`, {
      name: 'API',
      type: 'http',
      url: `${provider.url}/health`,
      interval: '1h',
      headers: { 'X-Api-Key': 'SECRET-monitor-header' },
      auth: { type: 'bearer', token: 'SECRET-monitor-token' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json().id as number;
    const moved = await call('PATCH', `/monitors/${id}`, { url: `${attacker.url}/health` });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error.details).toEqual(
      expect.arrayContaining([
        { path: 'headers.X-Api-Key', message: 'changing url needs the secret again' },
        { path: 'auth.token', message: 'changing url needs the secret again' },
      ]),
    );
    expect((await call('PATCH', `/monitors/${id}`, { url: `${provider.url}/ready` })).statusCode).toBe(200);
    const before = provider.requests.length;
    await call('POST', `/monitors/${id}/check`);
    await until('the check to reach the provider', () => provider.requests.length > before, 10_000);
    expect(provider.requests.at(-1)!.headers).toMatchObject({ 'x-api-key': 'SECRET-monitor-header', authorization: 'Bearer SECRET-monitor-token' });
    // The monitor never pointed at the attacker: nothing of it was sent there.
    expect(seenByAttacker()).not.toContain('SECRET-monitor');
  });
});
