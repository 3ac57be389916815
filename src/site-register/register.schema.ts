import { maxId } from '../lib/ids.js';
import { z } from 'zod';
import { REDACTED } from '../lib/secrets.js';

const text = (what: string, max = 200) => z.string().trim().min(1, `${what} cannot be empty`).max(max, `${what} is at most ${max} characters`);
const date = z.iso.date('a date is YYYY-MM-DD');
const contact = {
  email: z.email('not an email address').optional(),
  phone: z.string().trim().max(50, 'a phone number is at most 50 characters').optional(),
};

export const vendorRoles = ['hosting', 'registrar', 'dns', 'cdn', 'cms', 'email', 'payment', 'other'] as const;
export const personRoles = ['owner', 'client', 'developer', 'other'] as const;

const vendor = z
  .object({
    role: z.enum(vendorRoles),
    name: text('a vendor name'),
    support: z
      .object({ name: text('a contact name').optional(), ...contact, url: z.url('not a URL').optional() })
      .strict()
      .default({})
      .describe('who to call there'),
    contractEnds: date.optional(),
    renewsOn: date.optional(),
    notes: z.string().max(2000, 'notes are at most 2000 characters').optional(),
  })
  .strict();

const person = z.object({ role: z.enum(personRoles), name: text('a name'), ...contact }).strict();

const credential = z
  .object({
    label: text('a label'),
    location: text('a location', 500).describe(
      `where the credential lives (a vault path, a password-manager entry); sealed at rest, answered as "${REDACTED}" — write that back to keep it`,
    ),
  })
  .strict();

/** The register's document as written (PUT /sites/:id/register). */
export const registerInput = z
  .object({
    vendors: z.array(vendor).max(50, 'at most 50 vendors').default([]),
    people: z.array(person).max(50, 'at most 50 people').default([]),
    dependsOn: z.array(z.number().int().min(1).max(maxId)).max(50, 'at most 50 sites').default([]).describe('ids of the sites this one depends on'),
    credentials: z
      .array(credential)
      .max(50, 'at most 50 credential references')
      .default([])
      .refine((list) => new Set(list.map((c) => c.label)).size === list.length, 'each credential reference needs its own label'),
    notes: z.string().max(10_000, 'notes are at most 10000 characters').default(''),
  })
  .strict();
export type RegisterInput = z.output<typeof registerInput>;
export type RegisterBody = Omit<RegisterInput, 'credentials'> & { credentials: string[] };
