import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

/**
 * Naming a person (a site's owner or deputy, a routine's assignee) must not let a client's team
 * probe which emails have accounts on the instance: an email resolves only to accounts the caller
 * may see, and every other one gets the same answer, whether an account has it or not.
 */
describe.each(dialects)('naming people by email on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};
  let siteA: number;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    server = await testRuntime(core, config('').config);
    app = server.app;
    const owner = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    tokens.owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: owner.id })).token;
    await call('owner', 'PUT', '/teams/Client A', { tags: ['client-a'] });
    await call('owner', 'PUT', '/teams/Client B', { tags: ['client-b'] });
    const people: [string, object][] = [
      ['agency', { email: 'staff@agency.test', role: 'editor', scope: 'instance' }],
      ['a1', { email: 'a1@client-a.test', role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] }],
      ['a2', { email: 'a2@client-a.test', role: 'viewer', teams: [{ team: 'Client A', role: 'viewer' }] }],
      ['b', { email: 'b@client-b.test', role: 'viewer', teams: [{ team: 'Client B', role: 'editor' }] }],
    ];
    for (const [key, body] of people) {
      const made = await call('owner', 'POST', '/users', { ...body, password: 'a long enough password' });
      expect(made.statusCode, made.body).toBe(201);
      tokens[key] = (await core.accounts.createToken({ name: key, scope: 'write', userId: made.json().id })).token;
    }
    // Made in the API (sites from upkeep.yaml change only there).
    siteA = (await core.sites.createSite({ name: 'Site A', tags: ['client-a'] })).id;
    await core.sites.createSite({ name: 'Site B', tags: ['client-b'] });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  function call(who: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) {
    return app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${tokens[who]}` }, ...(payload ? { payload } : {}) });
  }
  /** The answer with its request id left out: what a caller could compare. */
  const answer = (res: { statusCode: number; json: () => { error?: { requestId?: string; details?: unknown } } }) => {
    const body = res.json();
    delete body.error?.requestId;
    return { status: res.statusCode, body };
  };

  it('gives a client editor one answer for every email outside their team: no account, another client’s, the agency’s', async () => {
    for (const field of ['owner', 'deputy']) {
      const nobody = answer(await call('a1', 'PATCH', `/sites/${siteA}`, { [field]: 'ghost@nowhere.test' }));
      const otherClient = answer(await call('a1', 'PATCH', `/sites/${siteA}`, { [field]: 'b@client-b.test' }));
      const agency = answer(await call('a1', 'PATCH', `/sites/${siteA}`, { [field]: 'STAFF@agency.test' }));
      expect(nobody).toEqual({
        status: 400,
        body: {
          error: {
            code: 'invalid_input',
            message: `${field}: not an account you can assign`,
            details: [{ path: field, message: 'not an account you can assign' }],
          },
        },
      });
      expect(otherClient).toEqual(nobody);
      expect(agency).toEqual(nobody);
    }
    const made = await call('a1', 'POST', '/sites', { name: 'Site A2', tags: ['client-a'], owner: 'b@client-b.test', deputy: 'ghost@nowhere.test' });
    expect(made.statusCode).toBe(400);
    expect(made.json().error.details).toEqual([
      { path: 'owner', message: 'not an account you can assign' },
      { path: 'deputy', message: 'not an account you can assign' },
    ]);

    const routine = { name: 'Care', template: 'starter', rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0' };
    const ghost = answer(await call('a1', 'POST', `/sites/${siteA}/routines`, { ...routine, assignee: 'ghost@nowhere.test' }));
    expect(ghost.body.error?.details).toEqual([{ path: 'assignee', message: 'not an account you can assign' }]);
    expect(answer(await call('a1', 'POST', `/sites/${siteA}/routines`, { ...routine, assignee: 'b@client-b.test' }))).toEqual(ghost);
    expect(answer(await call('a1', 'POST', `/sites/${siteA}/routines`, { ...routine, assignee: 'staff@agency.test' }))).toEqual(ghost);
  });

  it('lets a client editor name their own team’s accounts and themselves', async () => {
    const named = await call('a1', 'PATCH', `/sites/${siteA}`, { owner: 'A2@client-a.test', deputy: 'a1@client-a.test' });
    expect(named.statusCode, named.body).toBe(200);
    expect(named.json()).toMatchObject({ owner: 'A2@client-a.test', deputy: 'a1@client-a.test' });
    const routine = await call('a1', 'POST', `/sites/${siteA}/routines`, {
      name: 'Team care',
      template: 'starter',
      rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0',
      assignee: 'a2@client-a.test',
    });
    expect(routine.statusCode, routine.body).toBe(201);
  });

  it('lets an instance-wide editor name instance-wide accounts but not a client team’s; owners and admins name anyone', async () => {
    expect((await call('agency', 'PATCH', `/sites/${siteA}`, { deputy: 'owner@agency.test' })).statusCode).toBe(200);
    const client = await call('agency', 'PATCH', `/sites/${siteA}`, { deputy: 'b@client-b.test' });
    expect(client.statusCode).toBe(400);
    expect(client.json().error.message).toBe('deputy: not an account you can assign');
    expect((await call('owner', 'PATCH', `/sites/${siteA}`, { deputy: 'b@client-b.test' })).statusCode).toBe(200);
    const ghost = await call('owner', 'PATCH', `/sites/${siteA}`, { deputy: 'ghost@nowhere.test' });
    expect(ghost.json().error.details).toEqual([{ path: 'deputy', message: 'not an account you can assign' }]);
  });

  it('keeps what an admin named editable by the team: an unchanged name is not asked about again', async () => {
    const routine = await call('owner', 'POST', `/sites/${siteA}/routines`, {
      name: 'Agency care',
      template: 'starter',
      rrule: 'FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0',
      assignee: 'staff@agency.test',
    });
    expect(routine.statusCode, routine.body).toBe(201);
    const { id, checklist: _c, dueAt: _d, overdue: _o, managedBy: _m, createdAt: _a, updatedAt: _u, siteId: _s, ...spec } = routine.json();
    const renamed = await call('a1', 'PUT', `/routines/${id}`, { ...spec, name: 'Agency care (monthly)' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    // The site's deputy is another client's account (named by the owner above); the team still edits the site.
    expect((await call('a1', 'PATCH', `/sites/${siteA}`, { description: 'Shop of client A' })).statusCode).toBe(200);
  });
});
