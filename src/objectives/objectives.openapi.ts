import { z } from 'zod';
import { auditCategories } from '../audits/types.js';

/** Answers of the objectives' routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });

export const objectiveStatusOut = z.object({
  name: z.string(),
  type: z.enum(['availability', 'latency', 'performance', 'lcp', 'security-grade', 'third-parties', 'backup', 'restore-drill']),
  monitor: z.string().nullable().describe('the monitor measured; null: every monitor of the site except heartbeats'),
  goal: z.string().describe('"99.9 % over 30d", "p95 under 800ms over the month (Europe/Stockholm)"'),
  from: iso,
  to: iso,
  attainment: z.number().nullable().describe('availability: percent of checks up or degraded; latency: the percentile in ms; null without checks'),
  met: z.boolean().nullable(),
  checks: z.number().int(),
  budget: z
    .object({
      failed: z.number().int(),
      allowed: z.number().describe('failures the target allows among the checks so far'),
      remaining: z.number().nullable().describe('share of the error budget left: 1 untouched, 0 spent, below 0 overspent'),
    })
    .nullable()
    .describe('availability only'),
  burnRates: z.record(z.string(), z.number()).nullable().describe('availability only: burn rate by window (5m, 30m, 1h, 6h, 3d); 1 spends the budget exactly'),
  alert: z
    .object({ rule: z.enum(['fast', 'medium', 'slow']), action: z.enum(['page', 'ticket']), factor: z.number() })
    .nullable()
    .describe('the strongest burn-rate rule that fires'),
  problem: z.string().nullable().describe('why the objective cannot be measured'),
  attained: z.string().nullable().describe('goals from audits and backups: the figure as people read it ("B", "92", "longest wait 25h")'),
});

export const objectivesOut = z.object({ data: z.array(objectiveStatusOut) });

export const historyOut = z.object({
  data: z.array(
    z.object({
      objective: z.string(),
      days: z.array(
        z.object({
          day: z.string().describe("YYYY-MM-DD in the objective's time zone"),
          checks: z.number().int(),
          failed: z.number().int(),
          attainment: z.number().nullable(),
          budgetRemaining: z.number().nullable(),
          met: z.boolean().nullable(),
        }),
      ),
    }),
  ),
});

const month = z.string().describe("YYYY-MM in the answer's time zone");

export const trendsOut = z.object({
  timezone: z.string().describe('the time zone the calendar months are in'),
  months: z.array(z.object({ month, from: iso, to: iso, partial: z.boolean().describe('the month under way: measured up to now') })),
  goals: z.array(
    z.object({
      name: z.string(),
      type: objectiveStatusOut.shape.type,
      monitor: z.string().nullable(),
      goal: z.string(),
      months: z.array(
        z.object({
          month,
          met: z.boolean().nullable().describe('null: nothing to measure that month'),
          attainment: objectiveStatusOut.shape.attainment,
          attained: objectiveStatusOut.shape.attained,
          checks: z.number().int(),
          problem: z.string().nullable(),
        }),
      ),
    }),
  ),
  monitors: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      months: z.array(
        z.object({
          month,
          checks: z.number().int(),
          uptime: z.number().nullable(),
          p50: z.number().nullable().describe('response time in ms (latency sketches: within 2 %)'),
          p95: z.number().nullable(),
          p99: z.number().nullable(),
        }),
      ),
    }),
  ),
  audits: z.array(
    z.object({
      category: z.enum(auditCategories),
      runs: z.array(z.object({ id: z.number().int(), at: iso, scores: z.record(z.string(), z.number()), grades: z.record(z.string(), z.string()) })),
    }),
  ),
});
