import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

// A real OpenID Connect provider (node-oidc-provider, certified) on loopback, with its development
// login and consent pages: the flow below is what a browser does.
let db: TestDatabase;
let core: Core;
let server: TestApp;
let issuer: string;
let closeProvider: () => void;

beforeAll(async () => {
  const provider = new Provider('http://127.0.0.1:0', {
    clients: [
      {
        client_id: 'upkeep',
        client_secret: 'a-client-secret',
        redirect_uris: ['http://upkeep.test/api/v1/session/oidc/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@corp.test`, email_verified: true, name: `${id} from Corp` }) }),
  });
  const http = provider.listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // The provider names itself after its listening address.
  (provider as unknown as { issuer: string }).issuer = issuer;
  closeProvider = () => http.close();
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  const loaded = config(`
server: { publicUrl: "http://upkeep.test" }
accounts:
  oidc: { issuer: "${issuer}", clientId: upkeep, clientSecret: a-client-secret, createUsersAs: viewer, allowPrivateTargets: true }
`);
  server = await testRuntime(core, loaded.config);
}, 30_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  closeProvider?.();
});

/** Follows the provider's redirects and fills its login and consent forms, as a browser would, until it sends us back. */
async function signInAtProvider(start: string, login: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = start;
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!, v ?? '');
    }
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (next.startsWith('http://upkeep.test/')) return next;
      [url, method, body] = [next, 'GET', undefined];
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider showed no form: ${html.slice(0, 300)}`);
    const hidden = [...html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]);
    const fields = new URLSearchParams(hidden);
    if (/name="login"/.test(html)) {
      fields.set('login', login);
      fields.set('password', 'anything');
    }
    [url, method, body] = [new URL(action, url).href, 'POST', fields.toString()];
  }
  throw new Error('too many hops at the provider');
}

describe('single sign-on with OpenID Connect', () => {
  it('logs in through the provider (code flow, PKCE, state, nonce) and makes the account on first login', async () => {
    const providers = (await server.app.inject('/api/v1/session/providers')).json();
    expect(providers.oidc).toMatchObject({ start: '/api/v1/session/oidc' });
    const start = await server.app.inject('/api/v1/session/oidc');
    expect(start.statusCode).toBe(302);
    const authorize = new URL(start.headers.location as string);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const flowCookie = start.cookies.find((c) => c.name === 'upkeep_oidc')!;
    expect(flowCookie).toMatchObject({ httpOnly: true });

    const back = new URL(await signInAtProvider(authorize.href, 'alice'));
    expect(back.searchParams.get('code')).toBeTruthy();
    const done = await server.app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie: `upkeep_oidc=${flowCookie.value}` } });
    expect(done.statusCode).toBe(302);
    expect(decodeURIComponent(done.headers.location as string)).toBe('/');
    const session = done.cookies.find((c) => c.name === 'upkeep_session')!;
    const me = (await server.app.inject({ url: '/api/v1/session', headers: { cookie: `upkeep_session=${session.value}` } })).json();
    expect(me.user).toMatchObject({ email: 'alice@corp.test', role: 'viewer', name: 'alice from Corp' });
  }, 30_000);

  it('refuses a callback that did not start here, or whose state was tampered with', async () => {
    const bare = await server.app.inject('/api/v1/session/oidc/callback?code=abc&state=xyz');
    expect(bare.statusCode).toBe(302);
    expect(decodeURIComponent(bare.headers.location as string)).toContain('did not start here');
    const start = await server.app.inject('/api/v1/session/oidc');
    const flowCookie = start.cookies.find((c) => c.name === 'upkeep_oidc')!;
    const back = new URL(await signInAtProvider(start.headers.location as string, 'mallory'));
    back.searchParams.set('state', 'tampered');
    const done = await server.app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie: `upkeep_oidc=${flowCookie.value}` } });
    expect(decodeURIComponent(done.headers.location as string)).toMatch(/^\/login\?error=the sign-on provider did not confirm the login/);
  }, 30_000);
});
