import { Cron } from 'croner';
import ipaddr from 'ipaddr.js';
import './messages.js';
import { z } from 'zod';
import { describeValue } from './duration.js';

/** An error message for a field that was given something else; a missing field keeps the common "missing required field". */
export const expected =
  (what: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? undefined : `expected ${what}, got ${describeValue(issue.input)}`;

/** Field types shared by every part of the config and the API, each with a message that says what was expected. */

export const objectName = (what: string) =>
  z
    .string({ error: expected(`a ${what} name`) })
    .trim()
    .min(1, `a ${what} name cannot be empty`)
    .max(120, `a ${what} name is at most 120 characters`)
    .refine((s) => !s.includes('/'), `a ${what} name cannot contain "/" (it separates site and monitor in references)`);

const tagRule = 'a tag is 1–63 letters, digits, "_", ".", ":" or "-", starting with a letter or digit';
/**
 * Letters and digits of any script (\p{L}, \p{N}). The pattern the API document shows is a portable
 * one (no Unicode property escapes, which many JSON Schema validators do not know): it refuses ASCII
 * punctuation, spaces and control characters; the refinement then holds other scripts to letters and digits.
 */
export const tag = z
  .string()
  .regex(/^[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\s][^\x00-\x2c\x2f\x3b-\x40\x5b-\x5e\x60\x7b-\x7f\s]{0,62}$/, tagRule)
  .refine((s) => /^[\p{L}\p{N}][\p{L}\p{N}_.:-]*$/u.test(s), tagRule)
  .describe('1–63 letters (of any script), digits, "_", ".", ":" or "-", starting with a letter or digit');

export const tags = z.array(tag).max(50, 'at most 50 tags').default([]);

export const httpUrl = z
  .string({ error: expected('an http(s) URL') })
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: expected('an http(s) URL like "https://example.com/"') },
  )
  .meta({ format: 'uri', description: 'an http(s) URL' });

export const hostName = z
  .string({ error: expected('a host name or IP address') })
  .trim()
  .min(1, 'a host cannot be empty')
  .max(253, 'a host name is at most 253 characters')
  .refine((s) => !/[\s/:@?#]/.test(s) || /^[0-9a-f:]+$/i.test(s), { error: expected('a host name without scheme, port or path') });

/** An IP address or a CIDR range ("203.0.113.0/24", "2001:db8::/32"). */
export const ipOrCidr = z.string().refine(
  (s) => {
    try {
      if (s.includes('/')) ipaddr.parseCIDR(s);
      else ipaddr.parse(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: expected('an IP address or a CIDR range like "203.0.113.0/24"') },
);

export const port = z
  .number({ error: expected('a port number') })
  .int('a port is a whole number')
  .min(1, 'a port is between 1 and 65535')
  .max(65535, 'a port is between 1 and 65535');

export const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: expected('an IANA time zone like "Europe/Stockholm"') },
);

export const cronExpression = z.string().refine(
  (expr) => {
    try {
      new Cron(expr, { paused: true });
      return true;
    } catch {
      return false;
    }
  },
  { error: expected('a cron expression like "0 3 * * *"') },
);

export const markdown = z.string().max(100_000, 'at most 100,000 characters');

/** Names of notification channels; checked against `channels:` once the whole file is read. */
export const channelRefs = z.array(z.string().min(1)).optional();
