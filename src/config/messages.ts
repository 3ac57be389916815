import { z } from 'zod';
import { describeValue } from './duration.js';

/**
 * One phrasing for every validation message, in the config file and in API bodies alike:
 * "expected X, got Y". Schema fields that need more say so themselves; this covers the rest.
 */
function message(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing required field';
      return `expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${describeValue(issue.input)}`;
    case 'unrecognized_keys':
      return issue.keys.length === 1 ? `unknown field "${issue.keys[0]}"` : `unknown fields ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, got ${describeValue(issue.input)}`
        : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    case 'invalid_union': {
      const { options, discriminator } = issue as { options?: unknown[]; discriminator?: string };
      if (options && discriminator) {
        const given = (issue.input as Record<string, unknown> | undefined)?.[discriminator];
        return `expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(given)}`;
      }
      return `does not match any allowed form, got ${describeValue(issue.input)}`;
    }
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string') return n === 1 ? 'cannot be empty' : `must be at least ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${n} item${n === 1 ? '' : 's'}`;
      // zod's positive() is "more than 0": say so, not "at least 0" (which 0 would meet).
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${n}, got ${describeValue(issue.input)}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `allows at most ${n} items`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${n}, got ${describeValue(issue.input)}`;
    }
    case 'invalid_format':
      return `expected ${issue.format === 'email' ? 'an email address' : issue.format === 'url' ? 'a URL' : `a ${issue.format}`}, got ${describeValue(issue.input)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

z.config({ customError: message });

/** Writes a zod issue path the way people read it: `sites[0].monitors[1].interval`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
