import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { API, Judge, operationsOf, type Json, type OpenApiDoc, type Op } from '../support/openapi.js';

/**
 * The OpenAPI document as a whole: every route of the server in it, each operation with its success
 * and error answers, ids typed as the server reads them, patterns any validator can compile. The
 * server's answers are held to it by openapi-fuzz.test.ts.
 */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let doc: OpenApiDoc;
let ops: Op[];
let owner: string;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  app = server.app;
  const user = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
  owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: user.id })).token;
  doc = (await app.inject('/api/v1/openapi.json')).json<OpenApiDoc>();
  ops = operationsOf(doc);
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

/** The server's routes under /api/v1, from Fastify's own tree ("├── /sites (GET, HEAD, POST)" lines nested by indent). */
function serverRoutes(): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?) \(([A-Z, ]+)\)$/.exec(line.replace(/\u00a0/g, ' '));
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('');
    if (!path.startsWith(API) || path.startsWith(`${API}/docs`) || path === `${API}/openapi.json`) continue;
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') out.push(`${method} ${path.slice(API.length).replace(/:[\w|:]+/g, '{}')}`);
  }
  return out.sort();
}

describe('the OpenAPI document', () => {
  it('describes every route the server has under /api/v1, and no other', () => {
    const documented = ops.map((op) => `${op.method} ${op.path.replace(/\{\w+\}/g, '{}')}`).sort();
    expect(documented.length).toBeGreaterThan(80);
    expect(serverRoutes()).toEqual(documented);
  });

  it('gives every operation a success answer, and every error it can give in the one error schema', () => {
    const wrong: string[] = [];
    for (const op of ops) {
      const statuses = Object.keys(op.responses).map(Number);
      if (!statuses.some((s) => s < 400)) wrong.push(`${op.key}: no success answer`);
      const must = [...(op.secured ? [401, 403] : []), ...(op.params.length || op.body ? [400] : []), ...(op.body ? [413, 415] : [])];
      if (op.params.some((p) => p.in === 'path')) must.push(404);
      for (const status of must) if (!statuses.includes(status)) wrong.push(`${op.key}: ${status} is not declared`);
      for (const status of statuses.filter((s) => s >= 400)) {
        const schema = op.responses[String(status)]!.content?.['application/json']?.schema;
        if (schema?.$ref !== '#/components/schemas/Error') wrong.push(`${op.key}: ${status} is not the error schema`);
      }
      for (const p of op.params.filter((p) => p.in === 'path' && (p.name === 'id' || p.name === 'subscriberId'))) {
        if (p.schema.type !== 'integer' || p.schema.minimum !== 1) wrong.push(`${op.key}: path ${p.name} is ${JSON.stringify(p.schema)}`);
      }
      if (op.body && op.body.type !== 'object' && !op.body.oneOf && !op.body.anyOf) wrong.push(`${op.key}: the body is not an object`);
    }
    expect(wrong).toEqual([]);
  });

  it('marks required body fields required and shows the limits the server enforces', () => {
    const body = (key: string) => ops.find((op) => op.key === key)!.body! as { properties: Record<string, Json>; required: string[] };
    expect(body('POST /session').required).toEqual(['email', 'password']);
    expect(body('POST /users').required).toEqual(expect.arrayContaining(['email', 'password']));
    expect(body('POST /users').properties.password).toMatchObject({ minLength: 12 });
    expect(body('POST /incidents').required).toEqual(['siteId', 'title']);
    const http = (ops.find((op) => op.key === 'POST /sites/{id}/monitors')!.body!.oneOf as Json[])[0] as { properties: Record<string, Json> };
    expect(http.properties.timeout!.description).toContain('between 100ms and 5m');
    expect(http.properties.interval!.description).toContain('at least 1s');
    const summary = ops.find((op) => op.key === 'GET /monitors/{id}/summary')!.params.find((p) => p.name === 'window')!;
    expect((summary as { description?: string }).description).toContain('between 1m and 400d');
  });

  it('uses regular expressions any JSON Schema validator compiles (no Unicode property escapes), and ajv compiles every schema', () => {
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'pattern' && typeof value === 'string') patterns.push(value);
        else walk(value);
      }
    };
    walk(doc);
    expect(patterns.length).toBeGreaterThan(10);
    for (const pattern of patterns) {
      expect(pattern, pattern).not.toMatch(/\\[pP]\{/);
      expect(() => new RegExp(pattern), pattern).not.toThrow();
      expect(() => new RegExp(pattern, 'u'), pattern).not.toThrow();
    }
    const judge = new Judge(doc);
    for (const op of ops) {
      if (op.body) judge.validator(op.body);
      for (const response of Object.values(op.responses)) for (const media of Object.values(response.content ?? {})) judge.validator(media.schema);
    }
  });

  it('answers 405 with an Allow header for a method a path does not support (after credentials)', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/api/v1/sites', 'GET, HEAD, POST'],
      ['POST', '/api/v1/sites/1', 'DELETE, GET, HEAD, PATCH, PUT'],
      ['PUT', '/api/v1/session/providers', 'GET, HEAD'],
      ['GET', '/api/v1/account/password', 'POST'],
      ['OPTIONS', '/api/v1/monitors', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await app.inject({ method: method as 'GET', url, headers: as(owner) });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.json().error).toMatchObject({ code: 'method_not_allowed', message: `${method} is not allowed on ${url}; it answers ${allow}` });
    }
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/sites' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/no-such-thing', headers: as(owner) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/healthz' })).headers.allow).toBe('GET, HEAD');
  });

  it('says in words what is wrong with a path id or a query number', async () => {
    const error = async (method: string, url: string) => {
      const res = await app.inject({ method: method as 'GET', url, headers: as(owner) });
      expect(res.statusCode, url).toBe(400);
      return res.json<{ error: { message: string } }>().error.message;
    };
    expect(await error('DELETE', '/api/v1/teams/Acme')).toBe('id: expected a positive whole number, got "Acme"');
    expect(await error('GET', '/api/v1/sites/0')).toBe('id: expected a positive whole number, got number 0');
    expect(await error('GET', '/api/v1/monitors/1.5')).toBe('id: expected a positive whole number, got "1.5"');
    expect(await error('GET', '/api/v1/sites?limit=abc')).toBe('limit: expected a number, got "abc"');
    expect(await error('GET', '/api/v1/incidents?siteId=0')).toBe('siteId: must be more than 0, got number 0');
    expect(await error('DELETE', `/api/v1/session/all/${'x'.repeat(101)}`)).toBe('a part of the path is longer than 100 characters');
  });
});
