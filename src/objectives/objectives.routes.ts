import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { formatDuration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, parseId, queryNumber } from '../http/schema.js';
import { timezone } from '../config/fields.js';
import { toIso } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import type { ObjectiveStatus } from './evaluate.js';
import { goalText, isCheckObjective } from './goals.js';
import type { ObjectiveSpec } from '../sites/objective.schema.js';
import { historyOut, objectivesOut, trendsOut } from './objectives.openapi.js';
import type { ObjectivesService } from './objectives.service.js';

const historyQuery = z.object({ days: queryNumber(z.number().int().min(1).max(400)).default(90) });
const trendsQuery = z.object({
  months: queryNumber(z.number().int().min(1).max(24)).default(12),
  timezone: timezone.optional().describe("the calendar months' time zone; by default that of the site's first objective per calendar month, else UTC"),
});

function goalOf(spec: ObjectiveSpec): string {
  const over = spec.period === 'month' ? `over the month (${spec.timezone})` : `over ${formatDuration(spec.window)}`;
  if (!isCheckObjective(spec)) return `${goalText(spec)} ${over}`;
  return spec.type === 'availability' ? `${spec.target} % ${over}` : `p${spec.percentile} under ${formatDuration(spec.under)} ${over}`;
}

const monthOfStatus = (s: ObjectiveStatus, month: string) => ({
  month,
  met: s.met,
  attainment: s.attainment,
  attained: s.attained,
  checks: s.checks,
  problem: s.problem,
});

const show = (s: ObjectiveStatus) => ({
  name: s.spec.name,
  type: s.spec.type,
  monitor: s.spec.monitor ?? null,
  goal: goalOf(s.spec),
  from: toIso(s.from),
  to: toIso(s.to),
  attainment: s.attainment,
  met: s.met,
  checks: s.checks,
  budget: s.budget,
  burnRates: s.burnRates,
  alert: s.alert && { rule: s.alert.name, action: s.alert.action, factor: s.alert.factor },
  problem: s.problem,
  attained: s.attained,
});

/** Objectives of a site: thin routes over ObjectivesService (objectives are written as part of their site). */
export function objectivesRoutes(app: FastifyInstance, objectives: ObjectivesService, sites: SitesService): void {
  const tag = 'objectives';
  const siteFor = async (req: Parameters<typeof parseId>[0]) => {
    const site = await sites.getSite(parseId(req));
    accessOf(req).require(siteRefOf.site(site), 'read');
    return site;
  };

  app.get(
    '/sites/:id/objectives',
    {
      schema: operation({
        tag,
        summary: "Where a site's objectives stand now: attainment, error budget left, burn rates",
        params: idParams,
        ok: { 200: objectivesOut },
      }),
    },
    async (req) => ({ data: (await objectives.forSite(await siteFor(req))).map(show) }),
  );
  app.get(
    '/sites/:id/objectives/history',
    {
      schema: operation({
        tag,
        summary: "A site's objectives day by day: attainment and budget left at each day's last evaluation",
        params: idParams,
        query: historyQuery,
        ok: { 200: historyOut },
      }),
    },
    async (req) => {
      const { days } = parseInput(historyQuery, req.query);
      const site = await siteFor(req);
      const byObjective = new Map<string, z.infer<typeof historyOut>['data'][number]['days']>();
      for (const row of await objectives.history(site.id, days)) {
        const list = byObjective.get(row.objective) ?? [];
        list.push({
          day: row.day,
          checks: row.checks,
          failed: row.failed,
          attainment: row.attainment,
          budgetRemaining: row.budget_remaining,
          met: row.met === null ? null : row.met === 1,
        });
        byObjective.set(row.objective, list);
      }
      return { data: [...byObjective].map(([objective, list]) => ({ objective, days: list })) };
    },
  );
  app.get(
    '/sites/:id/trends',
    {
      schema: operation({
        tag,
        summary: "A site's last calendar months: each objective met or missed with its figure, response-time percentiles per monitor, audit scores run by run",
        params: idParams,
        query: trendsQuery,
        ok: { 200: trendsOut },
      }),
    },
    async (req): Promise<z.infer<typeof trendsOut>> => {
      const query = parseInput(trendsQuery, req.query);
      const site = await siteFor(req);
      const t = await objectives.trends(site, query.months, query.timezone);
      const names = t.months.map((m) => m.month);
      return {
        timezone: t.timezone,
        months: t.months.map((m) => ({ month: m.month, from: toIso(m.from), to: toIso(m.to), partial: m.partial })),
        goals: t.goals.map((g) => ({
          name: g.spec.name,
          type: g.spec.type,
          monitor: g.spec.monitor ?? null,
          goal: goalOf(g.spec),
          months: g.months.map((s, i) => monthOfStatus(s, names[i]!)),
        })),
        monitors: t.monitors.map((m) => ({ ...m, months: m.months.map((x, i) => ({ month: names[i]!, ...x })) })),
        audits: t.audits.map((a) => ({ category: a.category, runs: a.runs.map((r) => ({ ...r, at: toIso(r.at) })) })),
      };
    },
  );
}
