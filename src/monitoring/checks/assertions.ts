import { RE2JS } from 're2js';
import { quote } from '../../lib/evidence.js';
import type { z } from 'zod';
import type { headerAssertion, jsonAssertion } from './http.schema.js';

type Comparison = z.output<typeof jsonAssertion>['op'];

/** Whether a status code is accepted: codes like 200, classes like "2xx", ranges like "200-299". */
export function statusAccepted(code: number, accepted: readonly (number | string)[] | undefined): boolean {
  if (!accepted) return code >= 200 && code <= 299;
  return accepted.some((a) => {
    if (typeof a === 'number') return a === code;
    if (a.endsWith('xx')) return Math.floor(code / 100) === Number(a[0]);
    const [lo, hi] = a.split('-').map(Number);
    return code >= lo! && code <= hi!;
  });
}

/** Regular expressions run on RE2JS: linear time whatever the pattern and the body, so no target can stall a check. */
export function compileRegex(pattern: string): RE2JS {
  return RE2JS.compile(pattern);
}

/** Reads `status`, `data.items[0].state`, `$.checks.db` or `items.0.id` from parsed JSON. */
export function valueAtPath(root: unknown, path: string): { found: boolean; value: unknown } {
  const keys = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  let node: unknown = root;
  for (const key of keys) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return { found: false, value: undefined };
    node = (node as Record<string, unknown>)[key];
  }
  return { found: true, value: node };
}

/** A value for a message: the target's value as a short quote, never a whole body or object. */
const show = (v: unknown) => quote(JSON.stringify(v) ?? 'nothing');

/** Compares; returns undefined when it holds, else what was found, for the message. */
export function compare(found: boolean, actual: unknown, op: Comparison, expected: unknown): string | undefined {
  const text = typeof actual === 'string' ? actual : (JSON.stringify(actual) ?? '');
  switch (op) {
    case 'exists':
      return found ? undefined : 'is missing';
    case 'notExists':
      return found ? `exists (${show(actual)})` : undefined;
    case 'equals':
      return found && (actual === expected || String(actual) === String(expected))
        ? undefined
        : `is ${found ? show(actual) : 'missing'}, expected ${show(expected)}`;
    case 'notEquals':
      return found && String(actual) === String(expected) ? `is ${show(actual)}` : undefined;
    case 'contains':
      return found && (Array.isArray(actual) ? actual.some((x) => String(x) === String(expected)) : text.includes(String(expected)))
        ? undefined
        : `is ${found ? show(actual) : 'missing'}, expected it to contain ${show(expected)}`;
    case 'notContains':
      return found && (Array.isArray(actual) ? actual.some((x) => String(x) === String(expected)) : text.includes(String(expected)))
        ? `contains ${show(expected)}`
        : undefined;
    case 'matches':
      return found && compileRegex(String(expected)).matcher(text).find()
        ? undefined
        : `is ${found ? show(actual) : 'missing'}, expected it to match /${String(expected)}/`;
    case 'lessThan':
    case 'greaterThan': {
      const n = Number(actual);
      const limit = Number(expected);
      const ok = found && Number.isFinite(n) && (op === 'lessThan' ? n < limit : n > limit);
      return ok ? undefined : `is ${found ? show(actual) : 'missing'}, expected ${op === 'lessThan' ? 'less' : 'more'} than ${limit}`;
    }
  }
}

export function checkJson(body: string, assertions: readonly z.output<typeof jsonAssertion>[]): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the body is not JSON, so the JSON assertions cannot hold';
  }
  for (const a of assertions) {
    const { found, value } = valueAtPath(parsed, a.path);
    const failed = compare(found, value, a.op, a.value);
    if (failed) return `JSON ${a.path} ${failed}`;
  }
  return undefined;
}

export function checkHeaders(headers: Record<string, string | string[]>, assertions: readonly z.output<typeof headerAssertion>[]): string | undefined {
  for (const a of assertions) {
    const raw = headers[a.name.toLowerCase()];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    const failed = compare(value !== undefined, value, a.op, a.value);
    if (failed) return `header ${a.name} ${failed}`;
  }
  return undefined;
}
