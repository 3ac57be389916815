import type { FastifyInstance } from 'fastify';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  app = server.app;
  await core.accounts.createUser({ email: 'owner@shop.test', password: PASSWORD, role: 'owner' });
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

/** Logs in and answers the cookie header and CSRF token to use after. */
async function login(email: string, password: string, totp?: string, ip = '127.0.0.1') {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password, ...(totp ? { totp } : {}) }, remoteAddress: ip });
  const cookie = res.cookies.find((c) => c.name === 'upkeep_session');
  return { res, cookie: cookie ? `upkeep_session=${cookie.value}` : '', csrf: res.statusCode === 200 ? (res.json().csrfToken as string) : '', raw: cookie };
}

describe('sessions', () => {
  it('logs in with an HttpOnly, SameSite cookie and a CSRF token; changes need the token', async () => {
    const { res, cookie, csrf, raw } = await login('Owner@Shop.test', PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ email: 'owner@shop.test', role: 'owner', twoFactor: false });
    expect(raw).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect((await app.inject({ url: '/api/v1/sites', headers: { cookie } })).statusCode).toBe(200);
    const withoutCsrf = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: { cookie }, payload: { name: 'No CSRF' } });
    expect(withoutCsrf.statusCode).toBe(403);
    expect(withoutCsrf.json().error.message).toContain('X-CSRF-Token');
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/sites', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'With CSRF' } })).statusCode,
    ).toBe(201);
  });

  it('a new session at every login; a session is dead after logout', async () => {
    const a = await login('owner@shop.test', PASSWORD);
    const b = await login('owner@shop.test', PASSWORD);
    expect(a.cookie).not.toBe(b.cookie);
    const list = (await app.inject({ url: '/api/v1/session/all', headers: { cookie: b.cookie } })).json().data;
    expect(list.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } })).statusCode).toBe(204);
    const dead = await app.inject({ url: '/api/v1/sites', headers: { cookie: a.cookie } });
    expect(dead.statusCode).toBe(401);
    expect(dead.json().error.message).toContain('session has ended');
    expect((await app.inject({ url: '/api/v1/sites', headers: { cookie: b.cookie } })).statusCode).toBe(200);
  });

  it('every session is dead after a password change; the client that changed it gets a new one', async () => {
    await core.accounts.createUser({ email: 'pw@shop.test', password: PASSWORD, role: 'editor' });
    const other = await login('pw@shop.test', PASSWORD);
    const mine = await login('pw@shop.test', PASSWORD);
    const changed = await app.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: { cookie: mine.cookie, 'x-csrf-token': mine.csrf },
      payload: { currentPassword: PASSWORD, newPassword: 'an entirely new passphrase' },
    });
    expect(changed.statusCode).toBe(200);
    for (const old of [other, mine]) expect((await app.inject({ url: '/api/v1/sites', headers: { cookie: old.cookie } })).statusCode).toBe(401);
    const fresh = `upkeep_session=${changed.cookies.find((c) => c.name === 'upkeep_session')!.value}`;
    expect((await app.inject({ url: '/api/v1/sites', headers: { cookie: fresh } })).statusCode).toBe(200);
    expect((await login('pw@shop.test', PASSWORD)).res.statusCode).toBe(401);
  });

  it('a TOTP code works once; recovery codes work once each', async () => {
    await core.accounts.createUser({ email: 'totp@shop.test', password: PASSWORD, role: 'viewer' });
    const s = await login('totp@shop.test', PASSWORD);
    const h = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    const { secret, uri } = (await app.inject({ method: 'POST', url: '/api/v1/account/totp', headers: h, payload: { password: PASSWORD } })).json();
    expect(uri).toMatch(/^otpauth:\/\/totp\/Upkeep:totp%40shop\.test\?/);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    const setupCode = totp.generate();
    const { recoveryCodes } = (await app.inject({ method: 'POST', url: '/api/v1/account/totp/confirm', headers: h, payload: { code: setupCode } })).json();
    expect(recoveryCodes).toHaveLength(10);

    const without = await login('totp@shop.test', PASSWORD);
    expect(without.res.statusCode).toBe(401);
    expect(without.res.json().error.details).toEqual([{ path: 'totp', message: 'required' }]);
    // The code used to confirm the setup was spent; the next period's code works, once.
    expect((await login('totp@shop.test', PASSWORD, setupCode)).res.statusCode).toBe(401);
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    expect((await login('totp@shop.test', PASSWORD, next)).res.statusCode).toBe(200);
    expect((await login('totp@shop.test', PASSWORD, next)).res.statusCode).toBe(401);
    expect((await login('totp@shop.test', PASSWORD, recoveryCodes[0])).res.statusCode).toBe(200);
    expect((await login('totp@shop.test', PASSWORD, recoveryCodes[0])).res.statusCode).toBe(401);
    expect((await login('totp@shop.test', PASSWORD, recoveryCodes[1])).res.statusCode).toBe(200);
  });

  it('throttles 30 bad passwords in a row with 429 and Retry-After, and records the lockout', async () => {
    await core.accounts.createUser({ email: 'target@shop.test', password: PASSWORD, role: 'viewer' });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 30; i++) {
      const { res } = await login('target@shop.test', `wrong password ${i}`, undefined, '10.9.9.9');
      statuses.push(res.statusCode);
      if (res.statusCode === 429) retryAfter ??= res.headers['retry-after'] as string;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Even the right password waits while the account is throttled.
    expect((await login('target@shop.test', PASSWORD, undefined, '10.9.9.9')).res.statusCode).toBe(429);
    const owner = await login('owner@shop.test', PASSWORD);
    const activity = (await app.inject({ url: '/api/v1/activity', headers: { cookie: owner.cookie } })).json().data;
    expect(activity.some((a: { action: string; actor: string }) => a.action === 'login.locked' && a.actor === 'target@shop.test')).toBe(true);
  });

  it('logs who changed what, and exports it', async () => {
    const owner = await login('owner@shop.test', PASSWORD);
    await app.inject({ method: 'POST', url: '/api/v1/sites', headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf }, payload: { name: 'Logged site' } });
    const csv = await app.inject({ url: '/api/v1/activity/export?format=csv', headers: { cookie: owner.cookie } });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe('id,at,actor,userId,action,object,summary,ip');
    expect(csv.body).toMatch(/owner@shop\.test,\d+,POST \/sites,,POST \/sites → 201 \(Logged site\)/);
  });
});
