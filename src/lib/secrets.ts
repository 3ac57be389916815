import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AppError } from './errors.js';
import { valueAt } from './json.js';

/** What the API answers in place of a secret; writing it back means "keep the secret as it is". */
export const REDACTED = '********';

/**
 * Seals secrets at rest with AES-256-GCM under the instance key. The key comes from
 * `UPKEEP_SECRET_KEY` (32 bytes, base64) or is made once in `<data-dir>/secret.key` (mode 0600).
 * Every instance sharing one PostgreSQL database needs the same key.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new AppError('invalid_config', 'the secret key must be 32 bytes (base64 of 32 random bytes)');
    this.key = key;
  }

  /** A key for another purpose (signing links, …), derived so that the instance key itself never leaves this class. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `upkeep ${purpose}`, 32));
  }

  seal(value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  open<T>(sealed: string): T {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new AppError('internal', 'a stored secret has an unknown format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch (err) {
      throw new AppError('internal', 'a stored secret cannot be opened: is UPKEEP_SECRET_KEY (or data/secret.key) the one it was sealed with?', { cause: err });
    }
  }
}

export function loadSecretBox(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
  const fromEnv = env.UPKEEP_SECRET_KEY?.trim();
  if (fromEnv) return new SecretBox(Buffer.from(fromEnv, 'base64'));
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Takes the secret strings out of an object: `isSecret` is asked for every string's path.
 * Returns the object without them and the secrets by dotted path (`auth.password`).
 */
export function splitSecrets<T extends object>(value: T, isSecret: (path: readonly string[]) => boolean): { plain: T; secrets: Record<string, string> } {
  const secrets: Record<string, string> = {};
  const walk = (node: Json, path: string[]): Json | undefined => {
    if (typeof node === 'string') {
      if (!isSecret(path)) return node;
      secrets[path.join('.')] = node;
      return undefined;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, String(i)]) ?? null);
    if (node && typeof node === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(node)) {
        const kept = walk(v, [...path, k]);
        if (kept !== undefined) out[k] = kept;
      }
      return out;
    }
    return node;
  };
  return { plain: walk(value as unknown as Json, []) as unknown as T, secrets };
}

/** Puts secrets (by dotted path) back into an object; `replacement` shows them redacted instead. */
export function mergeSecrets<T extends object>(plain: T, secrets: Record<string, string>, replacement?: string): T {
  const out = structuredClone(plain) as Record<string, unknown>;
  for (const [path, secret] of Object.entries(secrets)) {
    const keys = path.split('.');
    let node: Record<string, unknown> = out;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = replacement ?? secret;
  }
  return out as T;
}

/** A copy of an object with every secret string shown as `********` (for API answers). */
export function redactSecrets<T extends object>(value: T, isSecret: (path: readonly string[]) => boolean): T {
  const { plain, secrets } = splitSecrets(value, isSecret);
  return mergeSecrets(plain, secrets, REDACTED);
}

/**
 * A secret field, by dotted path relative to the object (`smtp.password`); `*` stands for any key of
 * a map (`headers.*`), and `when` narrows it to some keys (only credential headers), said in `note`.
 */
export type SecretPath = string | { path: string; when: (key: string) => boolean; note: string };

/**
 * A kind's secrets, declared once per kind (a monitor type, a channel type) and applied by its codec
 * and use cases: which fields hold secrets, and which fields say where those secrets are sent.
 */
export interface SecretFields {
  /** The secret fields as declared, for people and the API (`GET /api/v1/kinds`). */
  paths: readonly { path: string; note?: string }[];
  isSecret: (path: readonly string[]) => boolean;
  /**
   * The destination of the secrets: dotted paths, each with what of its value counts (an http
   * monitor's URL counts by origin). Changing one while keeping a stored secret is refused.
   */
  destination: Readonly<Record<string, (value: unknown) => unknown>>;
}

const whole = (value: unknown) => value;

function matches(rule: SecretPath, path: readonly string[]): boolean {
  const pattern = (typeof rule === 'string' ? rule : rule.path).split('.');
  if (pattern.length !== path.length) return false;
  return pattern.every((segment, i) => segment === path[i] || (segment === '*' && (typeof rule === 'string' || rule.when(path[i]!))));
}

/**
 * Declares a kind's secrets: `secretFields(['token'], ['server'])`; a destination compared by part of
 * its value is given as `{ url: originOf }`.
 */
export function secretFields(paths: readonly SecretPath[], destination: readonly string[] | SecretFields['destination'] = []): SecretFields {
  const list = (d: typeof destination): d is readonly string[] => Array.isArray(d);
  return {
    paths: paths.map((rule) => (typeof rule === 'string' ? { path: rule } : { path: rule.path, note: rule.note })),
    isSecret: (path) => paths.some((rule) => matches(rule, path)),
    destination: list(destination) ? Object.fromEntries(destination.map((path) => [path, whole])) : destination,
  };
}

/** A kind without secrets. */
export const noSecrets = secretFields([]);

/**
 * Where a client writes `********` back for a secret, the stored secret stays; other values replace
 * it. A stored secret is bound to where it is sent: when the written definition changes a destination
 * field, a kept secret is refused (400 on the secret's field), so a re-pointed endpoint never
 * receives it; the caller writes the secret again. `parse` validates the result (defaults filled in
 * before destinations are compared).
 */
export function keepRedactedSecrets<T extends object>(input: unknown, current: T, fields: SecretFields, parse: (value: unknown) => T): T {
  if (!input || typeof input !== 'object') return parse(input);
  const { secrets } = splitSecrets(current, fields.isSecret);
  const { plain, secrets: given } = splitSecrets(input, fields.isSecret);
  const keptPaths = Object.entries(given)
    .filter(([path, value]) => value === REDACTED && secrets[path] !== undefined)
    .map(([path]) => path);
  const kept = Object.fromEntries(Object.entries(given).map(([path, value]) => [path, value === REDACTED ? (secrets[path] ?? '') : value]));
  const spec = parse(mergeSecrets(plain, kept));
  const moved = keptPaths.length
    ? Object.entries(fields.destination).find(([path, part]) => !isDeepStrictEqual(part(valueAt(current, path)), part(valueAt(spec, path))))?.[0]
    : undefined;
  if (moved) {
    const message = `changing ${moved} needs the secret again`;
    throw new AppError('invalid_input', `${message}: write ${keptPaths.join(', ')} anew (a stored secret is never sent to a new destination)`, {
      details: keptPaths.map((path) => ({ path, message })),
    });
  }
  return spec;
}
