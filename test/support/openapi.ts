import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import fc from 'fast-check';
import { generateSync, type Random } from 'json-schema-faker';

/**
 * The OpenAPI document as a test sees it: its operations, a judge of answers (ajv against the
 * declared schema of each status and media type), and requests generated from the document itself
 * (json-schema-faker, seeded by fast-check), valid ones and ones made invalid on purpose. The
 * equivalent of schemathesis for this project, whose registries carry npm packages only.
 */

export type Json = Record<string, unknown>;

export interface Param {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Json;
}

export interface Op {
  /** "GET /sites/{id}", with the /api/v1 prefix left out. */
  key: string;
  method: string;
  /** The path template without the prefix: "/sites/{id}". */
  path: string;
  params: Param[];
  body: Json | undefined;
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
  secured: boolean;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

export const API = '/api/v1';

export function operationsOf(doc: OpenApiDoc): Op[] {
  return Object.entries(doc.paths).flatMap(([fullPath, methods]) =>
    Object.entries(methods).map(([method, raw]) => {
      const path = fullPath.slice(API.length);
      const op = raw as {
        parameters?: Param[];
        requestBody?: { content: Record<string, { schema: Json; example?: unknown; examples?: Record<string, { value: unknown }> }> };
        responses: Op['responses'];
        security?: unknown[];
      };
      // The document keeps a body's examples beside its schema (OpenAPI media examples); the generator reads them in the schema.
      const media = op.requestBody?.content['application/json'];
      const examples = media ? [...(media.example === undefined ? [] : [media.example]), ...Object.values(media.examples ?? {}).map((e) => e.value)] : [];
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: media && (examples.length ? { ...media.schema, examples } : media.schema),
        responses: op.responses,
        secured: (op.security ?? []).length > 0,
      };
    }),
  );
}

/** `#/components/schemas/X` as ajv knows it (each component is added under its own name). */
function localRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(localRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', 'urn:component:') : localRefs(v)]),
  );
}

// ajv-formats is CommonJS: its default export arrives as the module object.
const addFormats: FormatsPlugin = formatsModule.default;

export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/** Compiles the document's schemas once each; `problems` says how an answer breaks its operation's declaration. */
export class Judge {
  private readonly ajv = newAjv();
  /** By the schema's text: the document repeats a schema in many operations, and compiling is the slow part. */
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDoc) {
    for (const [name, schema] of Object.entries(doc.components.schemas)) this.ajv.addSchema(localRefs(schema) as Json, `urn:component:${name}`);
  }

  validator(schema: Json): ValidateFunction {
    const key = JSON.stringify(schema);
    let fn = this.cache.get(key);
    if (!fn) {
      fn = this.ajv.compile(localRefs(schema) as Json);
      this.cache.set(key, fn);
    }
    return fn;
  }

  /** Whether a value is valid for a schema, and if not, why. */
  errors(schema: Json, value: unknown): string | undefined {
    const fn = this.validator(schema);
    return fn(value) ? undefined : this.ajv.errorsText(fn.errors, { separator: '; ', dataVar: 'body' });
  }

  problems(op: Op, res: { status: number; contentType: string; body: string }): string[] {
    if (res.status >= 500) return [`answered ${res.status}: ${res.body.slice(0, 300)}`];
    const declared = op.responses[String(res.status)];
    if (!declared) return [`status ${res.status} is not declared (declared: ${Object.keys(op.responses).join(', ')}): ${res.body.slice(0, 300)}`];
    if (!declared.content) return res.body.length ? [`status ${res.status} is declared without a body, got ${res.body.slice(0, 100)}`] : [];
    const media = res.contentType.split(';')[0]!.trim();
    const entry = declared.content[media];
    if (!entry) return [`status ${res.status}: content-type "${media}" is not declared (${Object.keys(declared.content).join(', ')})`];
    if (media !== 'application/json') return [];
    let value: unknown;
    try {
      value = JSON.parse(res.body);
    } catch {
      return [`status ${res.status}: the body is not JSON: ${res.body.slice(0, 100)}`];
    }
    const wrong = this.errors(entry.schema, value);
    return wrong ? [`status ${res.status}: the body breaks its schema: ${wrong.slice(0, 600)} — body ${res.body.slice(0, 400)}`] : [];
  }
}

/** What fast-check varies for one request; the request itself is made from it when it is sent (the ids known by then). */
export interface Plan {
  seed: number;
  /** Which part is made invalid on purpose, if any. */
  breaks: 'nothing' | 'path' | 'query' | 'body';
  /** Which known id (or which invalid value, or which field to break) to take. */
  pick: number;
}

export const planArbitrary: fc.Arbitrary<Plan> = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  breaks: fc.constantFrom<Plan['breaks']>('nothing', 'nothing', 'nothing', 'path', 'query', 'body'),
  pick: fc.nat({ max: 10_000 }),
});

export interface BuiltRequest {
  method: string;
  /** Path and query, the prefix included. */
  url: string;
  body?: unknown;
  /** What was made invalid (for the message), when the request breaks the document on purpose. */
  invalid?: string;
}

/** Every address a generated value names is on this machine: tests send traffic only to loopback. */
const formats: Record<string, (random: Random) => string> = {
  uri: (r) => `${r.pick(['http', 'https'])}://${r.pick(['127.0.0.1:9', 'localhost:9', '127.0.0.1:1'])}/${r.pick(['', 'hook', 'a/b?c=d'])}`,
  url: (r) => `http://127.0.0.1:9/${r.int(0, 99)}`,
  hostname: (r) => r.pick(['localhost', 'db.localhost']),
  ipv4: (r) => `127.0.0.${r.int(1, 254)}`,
  ipv6: () => '::1',
  email: (r) => `${r.pick(['ops', 'alice', 'bob'])}${r.int(1, 999)}@example.test`,
};
const ipLike = /^(\d{1,3}\.){3}\d{1,3}$|^\[?[0-9a-f]*:[0-9a-f:.]*\]?$/i;

/** Strings that would name another machine's address become loopback ones (host names resolve on a loopback DNS server). */
function confine(value: unknown): unknown {
  if (typeof value === 'string') {
    if (ipLike.test(value) && !/^(127\.|::1$|\[::1\]$)/.test(value)) return '127.0.0.1';
    if (/^[a-z][\w+.-]*:\/\//i.test(value)) {
      try {
        const url = new URL(value);
        if (ipLike.test(url.hostname) || /^\d+$/.test(url.hostname) || url.hostname.includes('%')) url.hostname = '127.0.0.1';
        return url.toString();
      } catch {
        return value;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(confine);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, confine(v)]));
  return value;
}

/** A value for a schema; with `examples`, the document's own examples where it has them. */
export function fake(schema: Json, seed: number, examples = false): unknown {
  return confine(generateSync(schema, { seed, optionalsProbability: 0.6, maxDefaultItems: 3, formats, useExamplesValue: examples }));
}

/** Where a generated request takes values that must name stored things. */
export interface Sources {
  /** A path parameter's value (a known id, mostly). */
  pathValue(param: Param): string;
  /** A known id for a body field that refers to one (`siteId`, `channelId`), or undefined. */
  reference(field: string): number | undefined;
}

/**
 * Bodies made from the document's examples name the same things every time: their top-level name
 * and slug get the seed as a suffix, and fields that refer to stored objects get known ids.
 */
function fitBody(body: unknown, seed: number, sources: Sources): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out = { ...(body as Json) };
  if (typeof out.name === 'string' && out.name.length < 100) out.name = `${out.name} ${seed % 100_000}`;
  if (typeof out.slug === 'string' && out.slug.length < 50) out.slug = `${out.slug}-${seed % 100_000}`;
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== 'number' || !/Id$/.test(key)) continue;
    const known = sources.reference(key);
    if (known !== undefined) out[key] = known;
  }
  return out;
}

const invalidIds = ['Acme', '0', '-3', '1.5', '1e3', '99999999999999999999', 'null', '%20'];

function breakQueryValue(schema: Json, pick: number): string | undefined {
  const type = schema.type;
  if (type === 'integer' || type === 'number') {
    const options = ['abc', ''];
    if (typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER) options.push(String(schema.maximum + 1));
    if (typeof schema.minimum === 'number') options.push(String(schema.minimum - 1));
    if (type === 'integer') options.push('2.5');
    return options[pick % options.length];
  }
  if (Array.isArray(schema.enum)) return 'not-one-of-them';
  if (typeof schema.maxLength === 'number') return 'x'.repeat(schema.maxLength + 1);
  if (schema.type === 'boolean') return 'maybe';
  return undefined;
}

/** The object variant a value was made for (the member of a union whose `type` it carries), or the schema itself. */
export function variantOf(schema: Json, value: unknown): Json {
  const members = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (!members) return schema;
  const kind = (value as Json | null)?.type;
  return (
    members.find((m) => {
      const t = (m.properties as Record<string, Json> | undefined)?.type;
      return t && (t.const === kind || (Array.isArray(t.enum) && t.enum.includes(kind)));
    }) ??
    members.find((m) => m.type === 'object') ??
    schema
  );
}

function breakBody(schema: Json, body: unknown, pick: number): { body: unknown; what: string } {
  const variant = variantOf(schema, body);
  const props = (variant.properties ?? {}) as Record<string, Json>;
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Json) } : {};
  const required = ((variant.required ?? []) as string[]).filter((k) => k in obj);
  const keys = Object.keys(obj).filter((k) => props[k]);
  const ways: (() => { body: unknown; what: string })[] = [
    () => ({ body: pick % 2 ? ['not', 'an', 'object'] : 'a string', what: 'the body is not an object' }),
    () => {
      const key = keys[pick % Math.max(keys.length, 1)];
      if (!key) return { body: 42, what: 'the body is a number' };
      const type = props[key]!.type;
      const wrong = type === 'string' ? { an: 'object' } : type === 'array' ? 'not a list' : type === 'object' ? 'not an object' : [1, 2];
      return { body: { ...obj, [key]: wrong }, what: `${key} has the wrong type` };
    },
  ];
  if (required.length) {
    const key = required[pick % required.length]!;
    ways.push(() => {
      const { [key]: _gone, ...rest } = obj;
      return { body: rest, what: `required ${key} is missing` };
    });
  }
  if (variant.additionalProperties === false) ways.push(() => ({ body: { ...obj, zzUnknownField: 1 }, what: 'an unknown field' }));
  const bounded = keys.filter((k) => typeof props[k]!.maxLength === 'number' || typeof props[k]!.maximum === 'number');
  if (bounded.length) {
    const key = bounded[pick % bounded.length]!;
    const field = props[key]!;
    ways.push(() => ({
      body: { ...obj, [key]: typeof field.maxLength === 'number' ? 'x'.repeat(field.maxLength + 1) : (field.maximum as number) + 1 },
      what: `${key} is over its limit`,
    }));
  }
  return ways[pick % ways.length]!();
}

/**
 * One request for an operation from a plan: path parameters from `pathValue` (known ids, mostly),
 * query and body generated from their schemas; the part `plan.breaks` names made invalid, and kept
 * only if ajv agrees it breaks the document.
 */
export function buildRequest(op: Op, plan: Plan, judge: Judge, sources: Sources): BuiltRequest {
  let invalid: string | undefined;
  let path = op.path;
  for (const param of op.params.filter((p) => p.in === 'path')) {
    let value = sources.pathValue(param);
    if (plan.breaks === 'path' && (param.schema.type === 'integer' || typeof param.schema.pattern === 'string')) {
      value = param.schema.type === 'integer' ? invalidIds[plan.pick % invalidIds.length]! : 'bad/name?';
      invalid = `path ${param.name} = ${JSON.stringify(value)}`;
    }
    path = path.replace(`{${param.name}}`, value.includes('%') ? value : encodeURIComponent(value));
  }
  const queryParams = op.params.filter((p) => p.in === 'query');
  const query = new URLSearchParams();
  if (queryParams.length) {
    const schema = {
      type: 'object',
      properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema])),
      required: queryParams.filter((p) => p.required).map((p) => p.name),
    };
    // A quarter of the requests give no optional query parameter: lists as a dashboard first asks for them.
    const values = (plan.seed % 4 === 1 ? {} : (fake(schema, plan.seed) ?? {})) as Json;
    for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) query.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    if (plan.breaks === 'query') {
      const param = queryParams[plan.pick % queryParams.length]!;
      const bad = breakQueryValue(param.schema, plan.pick);
      if (bad !== undefined) {
        query.set(param.name, bad);
        invalid = `query ${param.name} = ${JSON.stringify(bad)}`;
      }
    }
  }
  let body: unknown;
  if (op.body) {
    // A third of the bodies start from the document's examples (and so are mostly accepted); the rest are made up.
    body = fitBody(fake(op.body, plan.seed, plan.seed % 3 === 0), plan.seed, sources);
    if (plan.breaks === 'body') {
      const broken = breakBody(op.body, body, plan.pick);
      if (judge.errors(op.body, broken.body) !== undefined) {
        body = broken.body;
        invalid = `body: ${broken.what}`;
      }
    }
  }
  const search = query.toString();
  return { method: op.method, url: `${API}${path}${search ? `?${search}` : ''}`, ...(op.body ? { body } : {}), ...(invalid ? { invalid } : {}) };
}
