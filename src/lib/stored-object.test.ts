import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './errors.js';
import { SecretBox, secretFields } from './secrets.js';
import { envRefsUnder, objectKind, type Stored, type StoredRow } from './stored-object.js';

/** A demo kind: a named hook whose token is sent to its URL's origin, with headers that may hold credentials. */
const hookSchema = z
  .object({
    name: z.string().min(1),
    url: z.url(),
    token: z.string().min(4).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    note: z.string().default(''),
  })
  .strict();
type Hook = z.output<typeof hookSchema>;
type HookRow = StoredRow & { name: string };

const declaration = {
  name: 'hook',
  schema: hookSchema,
  parse: (input: unknown) => {
    const parsed = hookSchema.safeParse(input);
    if (!parsed.success) throw new AppError('invalid_input', parsed.error.issues[0]!.message);
    return parsed.data;
  },
  label: (spec: Hook) => `hook "${spec.name}"`,
  lifted: ['name'] as const,
  columns: (spec: Hook) => ({ name: spec.name }),
  fromColumns: (row: HookRow) => ({ name: row.name }),
  secrets: () =>
    secretFields(['token', { path: 'headers.*', when: (key) => key.toLowerCase() === 'authorization', note: 'credential headers' }], {
      url: (u) => new URL(String(u)).origin,
    }),
  envRefs: true,
};
const hooks = objectKind(declaration);

const box = new SecretBox(randomBytes(32));
const spec: Hook = { name: 'Ops', url: 'https://hooks.example.test/a', token: 'tok-123', headers: { Authorization: 'Bearer xyz', Accept: 'json' }, note: '' };

const stored = (over: Partial<Stored<Hook>> = {}): Stored<Hook> => ({ id: 1, spec, managedBy: 'api', envRefs: {}, createdAt: 0, updatedAt: 0, ...over });

/** The error a function throws, for its fields. */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('stored objects', () => {
  it('writes canonical JSON without the lifted fields and secrets, seals the secrets, and reads the same definition back', () => {
    const codec = hooks.codec(box);
    const write = codec.toWrite(spec, 'config', { token: '${HOOK_TOKEN}', url: '${HOOK_URL}' });
    expect(write.name).toBe('Ops');
    expect(write.spec).toBe('{"headers":{"Accept":"json"},"note":"","url":"https://hooks.example.test/a"}');
    expect(write.secrets).not.toBeNull();
    expect(write.secrets).not.toContain('tok-123');
    expect(write.secrets).not.toContain('Bearer');
    expect(write.envRefs).toBe('{"token":"${HOOK_TOKEN}","url":"${HOOK_URL}"}');
    const row: HookRow = {
      id: 7,
      name: write.name,
      spec: write.spec,
      secrets: write.secrets,
      env_refs: write.envRefs,
      managed_by: write.managedBy,
      created_at: 1,
      updated_at: 2,
    };
    expect(codec.fromRow(row)).toEqual({
      id: 7,
      spec,
      managedBy: 'config',
      envRefs: { token: '${HOOK_TOKEN}', url: '${HOOK_URL}' },
      createdAt: 1,
      updatedAt: 2,
    });
    expect(() => hooks.codec(new SecretBox(randomBytes(32))).fromRow(row)).toThrow(/cannot be opened/);
  });

  it('writes no secrets column and no references for a kind without them', () => {
    const plain = objectKind({ ...declaration, secrets: undefined, envRefs: false }).codec(box);
    const write = plain.toWrite(spec, 'api', { url: '${HOOK_URL}' });
    expect(write.secrets).toBeNull();
    expect(write.envRefs).toBeNull();
    expect(JSON.parse(write.spec)).toMatchObject({ token: 'tok-123' });
  });

  it('answers every secret as ******** and leaves the rest as written', () => {
    expect(hooks.redact(spec)).toEqual({ ...spec, token: '********', headers: { Authorization: '********', Accept: 'json' } });
    expect(hooks.answer(stored({ createdAt: 0, updatedAt: 1000 }))).toEqual({
      id: 1,
      ...hooks.redact(spec),
      managedBy: 'api',
      createdAt: '1970-01-01T00:00:00.000Z',
      updatedAt: '1970-01-01T00:00:01.000Z',
    });
  });

  it('keeps a stored secret written back as ********, and takes a new one', () => {
    const redacted = hooks.redact(spec);
    expect(hooks.mergeWrite(stored(), { ...redacted, note: 'changed' }, 'replace').spec).toEqual({ ...spec, note: 'changed' });
    expect(hooks.mergeWrite(stored(), { note: 'patched' }, 'merge').spec).toEqual({ ...spec, note: 'patched' });
    expect(hooks.mergeWrite(stored(), { ...redacted, token: 'tok-456' }, 'replace').spec.token).toBe('tok-456');
  });

  it('refuses a kept secret when its destination changes, naming the secret fields', () => {
    const error = thrown(() => hooks.mergeWrite(stored(), { url: 'https://elsewhere.example.test/a' }, 'merge'));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/changing url needs the secret again/);
    expect(error.details?.map((d) => d.path).sort()).toEqual(['headers.Authorization', 'token']);
    // The same origin is the same destination; a new secret may follow a new one.
    expect(hooks.mergeWrite(stored(), { url: 'https://hooks.example.test/b' }, 'merge').spec.token).toBe('tok-123');
    const moved = { url: 'https://elsewhere.example.test/a', token: 'tok-new', headers: { Authorization: 'Bearer new', Accept: 'json' } };
    expect(hooks.mergeWrite(stored(), moved, 'merge').spec).toEqual({ ...spec, ...moved });
  });

  it('refuses API writes to an object upkeep.yaml owns, with one conflict naming it', () => {
    const error = thrown(() => hooks.mergeWrite(stored({ managedBy: 'config' }), { note: 'x' }, 'merge'));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/^hook "Ops" is defined in the config file; change it there and run "upkeep apply"/);
    expect(error.details).toEqual([{ path: 'managedBy', message: 'config' }]);
    expect(() => hooks.assertOwner(stored({ managedBy: 'config' }), 'api')).toThrow(AppError);
    expect(() => hooks.assertOwner(stored({ managedBy: 'config' }), 'config')).not.toThrow();
    expect(() => hooks.assertOwner(stored({ managedBy: 'api' }), 'api')).not.toThrow();
  });

  it('keeps the ${VAR} references of fields a write leaves alone and drops those of changed fields', () => {
    const current = stored({ envRefs: { url: '${HOOK_URL}', note: '${NOTE}' } });
    expect(hooks.mergeWrite(current, { note: 'mine now' }, 'merge').envRefs).toEqual({ url: '${HOOK_URL}' });
    expect(objectKind({ ...declaration, envRefs: false }).mergeWrite(current, { note: 'mine now' }, 'merge').envRefs).toEqual({});
  });

  it("takes one object's ${VAR} references out of the file's, relative to the object, leaving out the objects inside it", () => {
    const file = new Map([
      ['hooks.0.token', '${A}'],
      ['hooks.0.inner.0.token', '${B}'],
      ['hooks.1.url', '${C}'],
      ['hooks.10.url', '${D}'],
    ]);
    expect(envRefsUnder(file, 'hooks.0.', 'hooks.0.inner.')).toEqual({ token: '${A}' });
    expect(envRefsUnder(file, 'hooks.1.')).toEqual({ url: '${C}' });
  });
});
