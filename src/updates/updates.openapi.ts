import { z } from 'zod';
import { ecosystems, severities } from './component.js';
import { updateKinds } from './policy.js';
import { requestedSteps } from './steps-input.js';
import { approvalStatuses } from './tables.js';

/** Answers and bodies of the updates routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });

const vulnerabilityOut = z.object({
  id: z.string(),
  aliases: z.array(z.string()),
  severity: z.enum(severities),
  summary: z.string(),
  fixedIn: z.array(z.string()).describe('versions that fix it, the smallest above the installed one first'),
  url: z.string().nullable(),
});

export const componentOut = z.object({
  name: z.string(),
  ecosystem: z.enum(ecosystems),
  version: z.string().nullable(),
  latest: z.string().nullable(),
  eolDate: z.string().nullable().describe('the day its release line stops (stopped) getting fixes'),
  endOfLife: z.boolean(),
  closed: z.boolean().describe('WordPress.org closed the plugin: no more updates'),
  seen: z.array(z.object({ source: z.string(), at: z.string() })),
  vulnerabilities: z.array(vulnerabilityOut),
});

const knowledgeOut = z
  .object({
    builtAt: z.string().describe('when the data Upkeep matches with was built or last refreshed'),
    ageDays: z.number().int(),
    checkedAt: iso.nullable().describe("the server's last refresh attempt; null before the first"),
    refresh: z.string().describe('how often the server refreshes it (updates.knowledge.refresh): a duration, or off'),
    sources: z.array(
      z.object({
        kind: z.string(),
        name: z.string(),
        enabled: z.boolean(),
        asOf: z.string().nullable().describe("when this source's data was current: its last successful refresh"),
        ageDays: z.number().int().nullable(),
        lastAttempt: z.object({ at: iso, ok: z.boolean(), message: z.string() }).nullable().describe('a failed source keeps its old data'),
      }),
    ),
  })
  .describe('how old the knowledge is, as a whole and per source');

export const inventoryOut = z.object({
  data: z.array(
    z.object({
      id: z.number().int(),
      source: z.enum(['ssh', 'outside']),
      target: z.string().describe('user@host:/path, or the URL'),
      takenAt: iso,
      checkedAt: iso,
      knowledgeBuiltAt: z.string(),
      components: z.array(componentOut),
    }),
  ),
  knowledge: knowledgeOut,
});

export const pendingUpdateOut = z.object({
  ecosystem: z.enum(ecosystems),
  name: z.string(),
  version: z.string(),
  to: z.string(),
  kind: z.enum(updateKinds),
  vulnerabilities: z.number().int(),
  worst: z.enum(severities).nullable(),
  releasedAt: z.string().nullable(),
  held: z.string().nullable().describe('why it is not taken now; null when it is'),
});

const policyOut = z.object({
  name: z.string(),
  sites: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  when: z.string().optional().describe('the maintenance window approved runs start in'),
  inventory: z.string().describe('how often the server re-reads the inventory: a duration, or off'),
  updates: z.array(z.enum(updateKinds)),
  minReleaseAge: z.string(),
  securitySkipsWait: z.boolean(),
  group: z.enum(['together', 'per-component', 'per-ecosystem']),
  approve: z.union([z.literal('auto'), z.object({ people: z.array(z.string()) })]),
  channels: z.array(z.string()),
  incidents: z.object({ severity: z.string(), endOfLife: z.boolean() }),
});

export const pendingOut = z.object({
  policy: policyOut,
  setUp: z.boolean().describe('whether the site has an updates.sites entry (where and how it is updated)'),
  inventoryId: z.number().int().nullable(),
  updates: z.array(pendingUpdateOut),
  runs: z.array(z.object({ steps: z.array(z.string()), updates: z.array(pendingUpdateOut) })).describe('the runs the policy would make of them'),
});

export const planBody = z
  .object({
    steps: requestedSteps.optional().describe("the steps to run (no `command` steps, no download URLs); the site's pending updates when absent"),
  })
  .strict();

export const planOut = z.object({
  site: z.string(),
  target: z.string().describe('user@host:/path'),
  steps: z.array(z.string()),
  updates: z.array(pendingUpdateOut),
  pages: z.array(z.string()),
  backupJobs: z.array(z.string()).describe('backed up first; restored when the run rolls back'),
  rollback: z.string(),
  approval: z.union([z.literal('auto'), z.array(z.string())]).describe('auto, or who may approve (admins too)'),
});

export const approvalOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  siteName: z.string(),
  status: z.enum(approvalStatuses),
  steps: z.array(z.string()),
  updates: z.array(pendingUpdateOut),
  requestedBy: z.string(),
  requestedAt: iso,
  expiresAt: iso,
  decidedBy: z.string().nullable(),
  decidedAt: iso.nullable(),
  reason: z.string().nullable(),
  runId: z.number().int().nullable().describe('the run it started'),
  waitsFor: z
    .object({ window: z.string(), next: iso.nullable() })
    .nullable()
    .describe("approved and waiting (status waiting): the policy's maintenance window and the start of its next occurrence"),
});
export const approvalsOut = z.object({ data: z.array(approvalOut) });

export const rejectBody = z.object({ reason: z.string().max(500).optional() }).strict();

const runSummary = {
  id: z.number().int(),
  siteId: z.number().int(),
  status: z.enum(['running', 'succeeded', 'rolled_back', 'rollback_failed', 'failed']),
  phase: z.string(),
  reason: z.string().nullable(),
  createdAt: iso,
  finishedAt: iso.nullable(),
};
export const runsOut = z.object({ data: z.array(z.object(runSummary)) });

const verdictOut = z
  .object({
    ok: z.boolean(),
    problems: z.array(z.string()),
    pages: z.array(
      z.object({
        url: z.string(),
        problems: z.array(z.string()),
        ratio: z.number().nullable().describe('share of pixels that differ from the capture before the update'),
        screenshot: z.string().nullable(),
        diff: z.string().nullable().describe('the difference image'),
      }),
    ),
  })
  .nullable()
  .describe('the verification after the update (or after the rollback)');

export const runOut = z.object({
  ...runSummary,
  steps: z.array(
    z.object({
      seq: z.number().int(),
      phase: z.string(),
      title: z.string(),
      status: z.enum(['running', 'ok', 'failed', 'skipped']),
      output: z.string(),
      startedAt: iso,
      finishedAt: iso.nullable(),
    }),
  ),
  events: z.array(z.object({ event: z.string(), occurredAt: z.string() })),
  after: verdictOut,
  afterRollback: verdictOut,
  incidentId: z.number().int().nullable(),
  files: z.array(z.string()).describe('screenshots (page-<n>-before.png …) and difference images (…-diff.png), at /update-runs/{id}/files/{file}'),
});
