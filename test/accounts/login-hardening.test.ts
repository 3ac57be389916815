import type { FastifyInstance } from 'fastify';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

/** Two-factor login that a stolen session cannot take over, codes that work once under concurrency, and throttling a stranger cannot turn against the owner. */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
const PASSWORD = 'correct horse battery staple';
/** Time stands still while set: a throttle's wait then never runs out between two tries of a slow machine. */
let frozenAt: number | undefined;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db, { now: () => frozenAt ?? Date.now() });
  server = await testServer(core);
  app = server.app;
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

async function login(email: string, password: string, totp?: string, ip = '127.0.0.1') {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password, ...(totp ? { totp } : {}) }, remoteAddress: ip });
  const cookie = res.cookies.find((c) => c.name === 'upkeep_session');
  return {
    res,
    headers: { cookie: cookie ? `upkeep_session=${cookie.value}` : '', 'x-csrf-token': res.statusCode === 200 ? (res.json().csrfToken as string) : '' },
  };
}

/** A user with two-factor login on: their authenticator and recovery codes. */
async function withTwoFactor(email: string) {
  await core.accounts.createUser({ email, password: PASSWORD, role: 'viewer' });
  const { headers } = await login(email, PASSWORD);
  const { secret } = (await app.inject({ method: 'POST', url: '/api/v1/account/totp', headers, payload: { password: PASSWORD } })).json();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  const confirmed = await app.inject({ method: 'POST', url: '/api/v1/account/totp/confirm', headers, payload: { code: totp.generate() } });
  return { totp, recoveryCodes: confirmed.json().recoveryCodes as string[] };
}

describe('two-factor login', () => {
  it('enrolling an authenticator needs the current password, so a stolen session cannot put its own in place', async () => {
    await core.accounts.createUser({ email: 'enrol@shop.test', password: PASSWORD, role: 'viewer' });
    const { headers } = await login('enrol@shop.test', PASSWORD);
    const without = await app.inject({ method: 'POST', url: '/api/v1/account/totp', headers, payload: {} });
    expect(without.statusCode).toBe(400);
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/account/totp', headers, payload: { password: 'not the password' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details).toEqual([{ path: 'password', message: 'wrong' }]);
    const right = await app.inject({ method: 'POST', url: '/api/v1/account/totp', headers, payload: { password: PASSWORD } });
    expect(right.statusCode).toBe(200);
    expect(right.json().uri).toMatch(/^otpauth:\/\/totp\//);
  });

  it('recovery codes carry at least 80 bits', async () => {
    const { recoveryCodes } = await withTwoFactor('bits@shop.test');
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) {
      const letters = code.replace(/-/g, '');
      // 32 possible letters each: 5 bits a letter.
      expect(letters).toMatch(/^[a-z2-9]+$/);
      expect(letters.length * 5).toBeGreaterThanOrEqual(80);
    }
    expect(new Set(recoveryCodes).size).toBe(10);
  });

  it('one recovery code sent in five logins at once lets exactly one in', async () => {
    const { recoveryCodes } = await withTwoFactor('race-recovery@shop.test');
    const tries = await Promise.all(Array.from({ length: 5 }, (_, i) => login('race-recovery@shop.test', PASSWORD, recoveryCodes[0], `10.5.0.${i + 1}`)));
    expect(tries.map((t) => t.res.statusCode).sort()).toEqual([200, 401, 401, 401, 401]);
    // Another code still works: the lost race took nothing else.
    expect((await login('race-recovery@shop.test', PASSWORD, recoveryCodes[1], '10.5.0.9')).res.statusCode).toBe(200);
  });

  it('one TOTP code sent in five logins at once lets exactly one in', async () => {
    const { totp } = await withTwoFactor('race-totp@shop.test');
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    const tries = await Promise.all(Array.from({ length: 5 }, (_, i) => login('race-totp@shop.test', PASSWORD, next, `10.6.0.${i + 1}`)));
    expect(tries.map((t) => t.res.statusCode).sort()).toEqual([200, 401, 401, 401, 401]);
  });
});

describe('login throttling', () => {
  beforeAll(() => {
    frozenAt = Date.now();
  });
  afterAll(() => {
    frozenAt = undefined;
  });

  it('a stranger guessing the owner’s password cannot lock the owner out of their usual address', async () => {
    await core.accounts.createUser({ email: 'owner@shop.test', password: PASSWORD, role: 'owner' });
    // The owner has logged in from their office before.
    expect((await login('owner@shop.test', PASSWORD, undefined, '192.0.2.10')).res.statusCode).toBe(200);
    const stranger: number[] = [];
    for (let i = 0; i < 40; i++) stranger.push((await login('owner@shop.test', `guess ${i}`, undefined, '198.51.100.66')).res.statusCode);
    expect(stranger.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(stranger.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
    // The stranger stays throttled, even with the right password…
    expect((await login('owner@shop.test', PASSWORD, undefined, '198.51.100.66')).res.statusCode).toBe(429);
    // …while the owner logs in from the usual address at once.
    expect((await login('owner@shop.test', PASSWORD, undefined, '192.0.2.10')).res.statusCode).toBe(200);
  });

  it('patient guessing from many addresses slows the account for new addresses, never for long', async () => {
    await core.accounts.createUser({ email: 'spread@shop.test', password: PASSWORD, role: 'viewer' });
    // Each guess from another address, each after the last wait ran out.
    for (let i = 0; i < 25; i++) {
      frozenAt! += 31_000;
      await login('spread@shop.test', `guess ${i}`, undefined, `203.0.113.${i + 1}`);
    }
    const fromNew = await login('spread@shop.test', PASSWORD, undefined, '203.0.113.200');
    expect(fromNew.res.statusCode).toBe(429);
    expect(Number(fromNew.res.headers['retry-after'])).toBeLessThanOrEqual(30);
    frozenAt! += 30_000;
    expect((await login('spread@shop.test', PASSWORD, undefined, '203.0.113.200')).res.statusCode).toBe(200);
    const log = (await core.activity.list({ limit: 50 })).filter((a) => a.actor === 'spread@shop.test').map((a) => a.action);
    expect(log).toContain('login.locked');
  }, 120_000);
});

describe('the auth hook', () => {
  it('decides on the route Fastify matched: an encoded path under /api/v1 needs credentials like the plain one', async () => {
    const doc = (await app.inject('/api/v1/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>();
    const open = [
      '/api/v1/openapi.json',
      '/api/v1/session',
      '/api/v1/setup',
      '/api/v1/session/providers',
      '/api/v1/session/oidc',
      '/api/v1/session/oidc/callback',
    ];
    const paths = Object.keys(doc.paths).filter((p) => !open.includes(p));
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const concrete = path.replace(/\{[^}]+\}/g, '1');
      for (const url of [concrete.replace('/api/v1', '/api/v%31'), concrete.replace('/api/v1', '/%61pi/v1'), `${concrete}%3F`]) {
        for (const method of Object.keys(doc.paths[path]!)) {
          const res = await app.inject({ method: method.toUpperCase() as 'GET', url, ...(method === 'get' ? {} : { payload: {} }) });
          expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 120)}`).toBe(401);
        }
      }
    }
  });
});
