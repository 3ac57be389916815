import { z } from 'zod';

const text = (what: string, max = 200) => z.string().trim().min(1, `${what} cannot be empty`).max(max, `${what} is at most ${max} characters`);

/** The EU member states and the other EEA countries (Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2. */
export const eeaCountries: ReadonlySet<string> = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO'.split(' '),
);

export const legalBases = ['consent', 'contract', 'legal-obligation', 'vital-interests', 'public-task', 'legitimate-interests'] as const;
export const dpaStates = ['signed', 'pending', 'none', 'not-needed'] as const;

const purpose = z
  .object({
    name: text('a purpose'),
    legalBasis: z.enum(legalBases).describe('Art. 6(1) GDPR'),
    dataCategories: z.array(text('a data category', 100)).max(50).default([]).describe('e.g. "email address", "IP address"'),
    subjects: z.array(text('a data subject category', 100)).max(20).default([]).describe('e.g. "customers", "visitors"'),
    retention: z.string().trim().max(200, 'a retention period is at most 200 characters').optional(),
  })
  .strict();

const processor = z
  .object({
    name: text('a processor name'),
    purpose: z.string().trim().max(200, 'a purpose is at most 200 characters').optional(),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'a country is an ISO 3166-1 alpha-2 code, e.g. "DE" or "US"'),
    dpa: z.enum(dpaStates).describe('the data processing agreement (Art. 28 GDPR)'),
    domain: z.string().trim().toLowerCase().max(253).optional().describe('the third-party domain the privacy audits see it as, e.g. "google-analytics.com"'),
  })
  .strict();

/** A site's records of processing as written (PUT /sites/:id/privacy-records). */
export const recordsInput = z
  .object({
    controller: z
      .object({ name: text('a controller name').optional(), contact: z.string().trim().max(300, 'a contact is at most 300 characters').optional() })
      .strict()
      .default({}),
    purposes: z.array(purpose).max(50, 'at most 50 purposes').default([]),
    processors: z.array(processor).max(100, 'at most 100 processors').default([]),
    notes: z.string().max(10_000, 'notes are at most 10000 characters').default(''),
  })
  .strict();
export type RecordsBody = z.output<typeof recordsInput>;
export type Processor = RecordsBody['processors'][number];

/** A processor that needs a task: outside the EU/EEA with no agreement signed (and one needed). */
export const needsDpa = (p: Processor): boolean => !eeaCountries.has(p.country) && (p.dpa === 'none' || p.dpa === 'pending');
