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
/** What the provider says about a person, beyond "<id>@corp.test, verified": changed by the tests. */
const people = new Map<string, Record<string, unknown>>();

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
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@corp.test`, email_verified: true, name: `${id} from Corp`, ...people.get(id) }),
    }),
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

/** A whole login at the provider as `login`, with extra cookies of this browser (a session, for linking); the callback's redirect. */
async function signOn(login: string, flowStart?: { url: string; flowCookie: string }, cookies: string[] = []): Promise<string> {
  let url = flowStart?.url;
  let flowCookie = flowStart?.flowCookie;
  if (!url) {
    const start = await server.app.inject('/api/v1/session/oidc');
    url = String(start.headers.location);
    flowCookie = start.cookies.find((c) => c.name === 'upkeep_oidc')!.value;
  }
  const back = new URL(await signInAtProvider(url, login));
  const done = await server.app.inject({ url: `${back.pathname}${back.search}`, headers: { cookie: [`upkeep_oidc=${flowCookie}`, ...cookies].join('; ') } });
  const session = done.cookies.find((c) => c.name === 'upkeep_session');
  return session ? `session ${(await who(session.value)) ?? ''}` : decodeURIComponent(done.headers.location as string);
}

async function who(session: string): Promise<string | undefined> {
  return (await server.app.inject({ url: '/api/v1/session', headers: { cookie: `upkeep_session=${session}` } })).json<{ user?: { email: string } }>().user
    ?.email;
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

  it('refuses an email the provider does not say it verified: a missing email_verified is not a yes', async () => {
    await core.accounts.createUser({ email: 'frank@corp.test', password: 'frank password 123', role: 'editor' });
    people.set('frank', { email_verified: undefined });
    expect(await signOn('frank')).toBe('/login?error=the sign-on provider gave no verified email address');
    people.set('frank', { email_verified: false });
    expect(await signOn('frank')).toBe('/login?error=the sign-on provider gave no verified email address');
    people.set('newcomer', { email_verified: undefined });
    expect(await signOn('newcomer')).toBe('/login?error=the sign-on provider gave no verified email address');
    expect(await core.storage.db.selectFrom('users').select('id').where('email', '=', 'newcomer@corp.test').executeTakeFirst()).toBeUndefined();
    people.delete('frank');
    expect(await signOn('frank')).toBe('session frank@corp.test');
  }, 60_000);

  it('never links an owner or admin by email; they link from their own logged-in session, or an owner links them', async () => {
    const boss = await core.accounts.createUser({ email: 'boss@corp.test', password: 'boss password 123', role: 'owner' });
    expect(await signOn('boss')).toBe(
      '/login?error=the account boss@corp.test is an owner: link single sign-on from its account page while logged in (or ask an owner to link it), not by email',
    );

    const login = await server.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'boss@corp.test', password: 'boss password 123' } });
    const session = `upkeep_session=${login.cookies.find((c) => c.name === 'upkeep_session')!.value}`;
    const csrf = login.json<{ csrfToken: string }>().csrfToken;
    // Without the CSRF token (another site posting the form) nothing starts.
    expect((await server.app.inject({ method: 'POST', url: '/api/v1/account/sso', headers: { cookie: session } })).statusCode).toBe(403);
    const link = await server.app.inject({ method: 'POST', url: '/api/v1/account/sso', headers: { cookie: session, 'x-csrf-token': csrf } });
    expect(link.statusCode).toBe(200);
    const flow = { url: link.json<{ url: string }>().url, flowCookie: link.cookies.find((c) => c.name === 'upkeep_oidc')!.value };
    // A flow started by the owner's session links nothing when it returns to a browser without that session.
    expect(await signOn('boss', flow)).toBe('/login?error=log in to Upkeep again, then link single sign-on from your account');
    const again = await server.app.inject({ method: 'POST', url: '/api/v1/account/sso', headers: { cookie: session, 'x-csrf-token': csrf } });
    expect(
      await signOn('boss', { url: again.json<{ url: string }>().url, flowCookie: again.cookies.find((c) => c.name === 'upkeep_oidc')!.value }, [session]),
    ).toBe('/settings?sso=linked');
    expect(await signOn('boss')).toBe('session boss@corp.test');

    // An owner links an admin by the provider's subject.
    const admin = await core.accounts.createUser({ email: 'ada@corp.test', password: 'ada password 1234', role: 'admin' });
    const ownerToken = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: boss.id })).token;
    const put = (subject: string | null) =>
      server.app.inject({ method: 'PUT', url: `/api/v1/users/${admin.id}/sso`, headers: { authorization: `Bearer ${ownerToken}` }, payload: { subject } });
    expect((await put('ada')).statusCode).toBe(204);
    expect(await signOn('ada')).toBe('session ada@corp.test');
    expect((await put(null)).statusCode).toBe(204);
    expect(await signOn('ada')).toMatch(/^\/login\?error=the account ada@corp\.test is an admin/);
  }, 90_000);

  it('after the first link finds the person by issuer and subject, whatever email the provider says later', async () => {
    await core.accounts.createUser({ email: 'carol@corp.test', password: 'carol password 12', role: 'editor' });
    await core.accounts.createUser({ email: 'dave@corp.test', password: 'dave password 123', role: 'editor' });
    expect(await signOn('carol')).toBe('session carol@corp.test');
    // carol's address at the provider changes to dave's: she still gets her own account.
    people.set('carol', { email: 'dave@corp.test' });
    expect(await signOn('carol')).toBe('session carol@corp.test');
    // Someone else at the provider with carol's (verified) address does not get into carol's linked account.
    people.set('mallory', { email: 'carol@corp.test' });
    expect(await signOn('mallory')).toBe('/login?error=the account carol@corp.test is linked to another identity at this provider; ask an admin');
  }, 60_000);
});
