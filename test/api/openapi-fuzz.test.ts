import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noEgress } from '../support/no-egress.js';
import { buildRequest, fake, Judge, operationsOf, planArbitrary, variantOf, type Json, type Op, type Param, type Plan } from '../support/openapi.js';
import { FuzzWorld, OTHER, type Answer, type Caller } from './fuzz-world.js';

/**
 * The API held to its own OpenAPI document, as schemathesis would: requests generated from the
 * document (json-schema-faker seeded by fast-check; valid ones, and ones broken on purpose), sent to a
 * real server as an owner, a read-only token and a client's editor limited to one team, every answer
 * judged by ajv against the status codes and schemas the document declares. Then a stateful pass
 * makes objects and follows their ids through reading, replacing (with the answer itself), patching
 * and deleting. Deterministic (seeded); UPKEEP_FUZZ_RUNS and UPKEEP_FUZZ_SEED make a bigger or
 * another run (UPKEEP_FUZZ_RUNS=40 for a long one), UPKEEP_FUZZ_DATABASE=postgres one on PostgreSQL.
 */
const RUNS = Number(process.env.UPKEEP_FUZZ_RUNS ?? 4);
const SEED = Number(process.env.UPKEEP_FUZZ_SEED ?? 1206);
/** Per test: generous, since a loaded machine answers slowly (argon2 hashes dominate). */
const TIME = 300_000 * Math.max(1, RUNS / 4);

const world = new FuzzWorld();
let judge: Judge;
let ops: Op[];
const tripwire = noEgress();
const failures: string[] = [];

beforeAll(async () => {
  await world.start(process.env.UPKEEP_FUZZ_DATABASE === 'postgres' ? 'postgres' : 'sqlite');
  judge = new Judge(world.doc);
  ops = operationsOf(world.doc);
}, 120_000);
afterAll(async () => {
  await world.stop();
  tripwire.restore();
});

/** Which pool a path parameter draws from: "/sites/{id}/audits" → sites, {subscriberId} → subscribers, /teams/{name} → team names. */
function resourceOf(op: Op, param: Param): string {
  const parts = op.path.split('/');
  if (param.name === 'name') return `${parts[parts.indexOf('{name}') - 1]!}:name`;
  if (param.name !== 'id') return param.name;
  return parts[parts.indexOf('{id}') - 1]!;
}

function pathValue(who: Caller, op: Op, param: Param, plan: Plan): string {
  const resource = resourceOf(op, param);
  const kept = world.kept.get(resource) ?? new Set();
  const other = world.other.get(resource);
  // Changes go to what the suite made (for the team's caller also to the other team's objects, for the read-only token to
  // anything: both must be refused); objects may be added under seeded ones.
  const changes = ['PUT', 'PATCH', 'DELETE'].includes(op.method) && who !== 'reader';
  const pool = [...(world.pools.get(resource) ?? [])].filter((id) => !changes || !kept.has(id) || (who === 'team' && id === other));
  if (pool.length === 0 || plan.seed % 5 === 0) return String(fake(param.schema, plan.seed));
  return pool[plan.pick % pool.length]!;
}

/** What the team's caller must never be shown: the other team's names, or its objects' ids where ids are given. */
function leaks(res: Answer, url: string, body: unknown): string[] {
  const out: string[] = [];
  // A whole word: generated text (a 100,000-character runbook) may hold the letters z-u-l-u by chance.
  if (new RegExp(`\\b${OTHER}\\b`, 'i').test(res.body)) out.push(`the answer names the other team’s objects: ${res.body.slice(0, 300)}`);
  const siteZ = world.other.get('sites')!;
  const named = new RegExp(`\\bsite ${siteZ}\\b`).exec(res.body);
  const asked = url.includes(`/sites/${siteZ}`) || JSON.stringify(body ?? null).includes(`"siteId":${siteZ}`);
  if (named && !asked) out.push(`the answer gives the id of the other team’s site: ${res.body.slice(0, 300)}`);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const resource = { siteId: 'sites', monitorId: 'monitors', incidentId: 'incidents' }[key];
      if (resource && String(value) === world.other.get(resource)) out.push(`${key} ${String(value)} is the other team’s`);
      walk(value);
    }
  };
  if (res.contentType.startsWith('application/json') && res.status < 400) walk(JSON.parse(res.body));
  return out;
}

/** Keeps what a change made: new ids join their pool, deleted ones leave it. */
function learn(op: Op, url: string, res: Answer): void {
  if (!res.contentType.startsWith('application/json')) {
    if (op.method === 'DELETE' && res.status === 204) {
      const [, resource, id] = /\/api\/v1\/([\w-]+)\/(\d+)$/.exec(url) ?? [];
      if (resource && id) world.pools.get(resource)?.delete(id);
    }
    return;
  }
  const made = JSON.parse(res.body) as { id?: unknown; name?: unknown };
  if (typeof made.id !== 'number') return;
  if (op.method === 'POST' && res.status === 201) {
    const last = op.path.split('/').at(-1)!;
    world.add(last === 'subscribers' ? 'subscriberId' : last, String(made.id));
  }
  if (op.key === 'PUT /teams/{name}' && res.status === 200) {
    world.add('teams', String(made.id));
    world.add('teams:name', String(made.name));
  }
}

function report(who: Caller, req: { method: string; url: string; body?: unknown }, problems: string[]): void {
  if (!problems.length) return;
  const body = req.body === undefined ? '' : ` ${JSON.stringify(req.body).slice(0, 300)}`;
  failures.push(`${who} ${req.method} ${req.url}${body}\n    ${problems.join('\n    ')}`);
}

function sources(who: Caller, op: Op, plan: Plan, id?: string) {
  return {
    pathValue: (param: Param) => (id !== undefined && param.name === 'id' ? id : pathValue(who, op, param, plan)),
    reference: (field: string) => {
      const pool = [...(world.pools.get(`${field.replace(/Id$/, '')}s`) ?? [])];
      return pool.length && plan.pick % 4 !== 0 ? Number(pool[plan.pick % pool.length]) : undefined;
    },
  };
}

async function exercise(who: Caller, op: Op, plan: Plan): Promise<Answer> {
  const req = buildRequest(op, plan, judge, sources(who, op, plan));
  const res = await world.call(who, req.method, req.url, req.body);
  const problems = judge.problems(op, res);
  if (req.invalid && res.status < 400) problems.push(`accepted a request that breaks the document (${req.invalid}): ${res.status}`);
  if (who === 'team') problems.push(...leaks(res, req.url, req.body));
  report(who, req, problems);
  learn(op, req.url, res);
  return res;
}

/**
 * Every operation starts with two plain requests (the document's example body, no optional query, the
 * first two known ids: one of each team where there are two), then RUNS generated ones.
 */
const plans = (op: Op, salt: number): Plan[] => [
  { seed: 9, breaks: 'nothing', pick: 0 },
  { seed: 9, breaks: 'nothing', pick: 1 },
  ...fc.sample(planArbitrary, { seed: SEED + salt * 7919 + ops.indexOf(op), numRuns: RUNS }),
];

const takeFailures = () => failures.splice(0).join('\n');

describe('requests generated from the OpenAPI document', () => {
  it(
    'a read-only token changes nothing, and every answer is one the document declares',
    async () => {
      const before = await world.snapshot();
      for (const op of ops) for (const plan of plans(op, 1)) await exercise('reader', op, plan);
      expect(FuzzWorld.changes(before, await world.snapshot())).toEqual([]);
      expect(takeFailures()).toBe('');
    },
    TIME,
  );

  it(
    'a client’s editor limited to one team never sees the other team’s objects, and every answer is declared',
    async () => {
      for (const op of ops) for (const plan of plans(op, 2)) await exercise('team', op, plan);
      expect(takeFailures()).toBe('');
    },
    TIME,
  );

  it(
    'the owner: no 5xx, every status and body as declared, invalid input refused',
    async () => {
      for (const op of ops) for (const plan of plans(op, 3)) await exercise('owner', op, plan);
      expect(takeFailures()).toBe('');
    },
    TIME,
  );

  it('without credentials every operation but the public ones answers 401, as declared', async () => {
    for (const op of ops) {
      const plan: Plan = { seed: 1, breaks: 'nothing', pick: 0 };
      const req = buildRequest(op, plan, judge, sources('owner', op, plan));
      const res = await world.call('nobody', req.method, req.url, req.body);
      const problems = judge.problems(op, res);
      if (op.secured && res.status !== 401) problems.push(`answered ${res.status} without credentials`);
      report('owner', req, problems);
    }
    expect(takeFailures()).toBe('');
  }, 120_000);
});

/** Operations on one kind of object: where it is made, and every operation on `/<resource>/{id}…`. */
function lifecycleOf(resource: string) {
  const create = ops.filter((op) => op.method === 'POST' && op.path.split('/').at(-1) === resource);
  const onOne = ops.filter((op) => op.path.startsWith(`/${resource}/{id}`));
  return { create, onOne, get: onOne.find((op) => op.key === `GET /${resource}/{id}`), put: onOne.find((op) => op.key === `PUT /${resource}/{id}`) };
}

/** The answer as a body for PUT: only the fields the PUT body declares (the id and dates are not written). */
function asWritten(schema: Json, answer: Json): Json {
  const variant = variantOf(schema, answer);
  const fields = Object.keys(variant.properties ?? {});
  return Object.fromEntries(Object.entries(answer).filter(([k]) => fields.includes(k)));
}

describe('a stateful pass that follows created ids', () => {
  const resources = ['sites', 'monitors', 'channels', 'incidents', 'maintenance', 'status-pages', 'message-templates', 'users', 'tokens', 'subscribers'];

  it.each(resources)(
    '%s: made from generated bodies, read back, replaced by its own answer, patched, deleted, then gone',
    async (resource) => {
      const { create, onOne, get, put } = lifecycleOf(resource);
      expect(create.length, `an operation that makes ${resource}`).toBeGreaterThan(0);
      let made = 0;
      const refused: string[] = [];
      for (const [i, plan] of fc.sample(planArbitrary, { seed: SEED + resources.indexOf(resource), numRuns: 40 * Math.max(1, RUNS / 4) }).entries()) {
        if (made >= Math.max(2, RUNS / 2)) break;
        const op = create[i % create.length]!;
        const res = await exercise('owner', op, { ...plan, breaks: 'nothing' });
        if (res.status !== 201) {
          refused.push(`${res.status} ${res.body.slice(0, 200)}`);
          continue;
        }
        made++;
        const created = JSON.parse(res.body) as Json;
        const id = String(created.id);
        const at = (path: string) => path.replace('{id}', id);
        if (get) {
          const read = await world.call('owner', 'GET', at(get.path));
          report('owner', { method: 'GET', url: at(get.path) }, [
            ...judge.problems(get, read),
            ...(read.status === 200 ? [] : [`a ${resource} just made answers ${read.status}`]),
          ]);
          if (put && read.status === 200) {
            const body = asWritten(put.body!, JSON.parse(read.body) as Json);
            const schemaError = judge.errors(put.body!, body);
            const again = await world.call('owner', 'PUT', at(put.path), body);
            report('owner', { method: 'PUT', url: at(put.path), body }, [
              ...(schemaError ? [`the answer of GET is not a valid PUT body: ${schemaError}`] : []),
              ...judge.problems(put, again),
              ...(again.status === 200 ? [] : [`PUT of its own answer: ${again.status} ${again.body.slice(0, 300)}`]),
            ]);
          }
        }
        for (const follow of onOne.filter((op) => op.method !== 'DELETE' && op !== get && op !== put)) {
          for (const p of fc.sample(planArbitrary, { seed: plan.seed, numRuns: 2 })) {
            const req = buildRequest(follow, p, judge, sources('owner', follow, p, id));
            const answer = await world.call('owner', req.method, req.url, req.body);
            report('owner', req, [...judge.problems(follow, answer), ...(req.invalid && answer.status < 400 ? [`accepted ${req.invalid}`] : [])]);
            learn(follow, req.url, answer);
          }
        }
        const del = onOne.find((op) => op.method === 'DELETE' && op.path === `/${resource}/{id}`);
        if (del) {
          const gone = await world.call('owner', 'DELETE', at(del.path));
          const after = get ? await world.call('owner', 'GET', at(get.path)) : undefined;
          const twice = await world.call('owner', 'DELETE', at(del.path));
          report('owner', { method: 'DELETE', url: at(del.path) }, [
            ...judge.problems(del, gone),
            ...(gone.status === 204 ? [] : [`DELETE answered ${gone.status} ${gone.body.slice(0, 200)}`]),
            ...(after && after.status !== 404 ? [`GET after DELETE answered ${after.status}`] : []),
            ...(twice.status === 404 ? [] : [`a second DELETE answered ${twice.status}`]),
          ]);
        }
      }
      expect(made, `generated bodies that made a ${resource}; refused: ${refused.slice(-5).join(' | ')}`).toBeGreaterThan(0);
      expect(takeFailures()).toBe('');
    },
    300_000,
  );

  it('no connection left this machine, and the suite says how much it sent', () => {
    expect(tripwire.attempts).toEqual([]);
    console.log(`openapi fuzz: ${ops.length} operations, ${world.requests} requests (UPKEEP_FUZZ_RUNS=${RUNS}, UPKEEP_FUZZ_SEED=${SEED})`);
  });
});
