import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maxId } from '../lib/ids.js';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import type { SitesService } from '../sites/sites.service.js';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { operation } from '../http/operation.js';
import { idParams, pageSchema, parseId, queryNumber } from '../http/schema.js';
import type { AuditService } from './audit.service.js';
import { renderHtmlReport } from './report/html.js';
import { auditCategories, severities } from './types.js';

const finding = z.object({
  id: z.string(),
  category: z.enum(auditCategories),
  severity: z.enum(severities),
  title: z.string(),
  evidence: z.string(),
  fix: z.string(),
});
const auditOut = z.object({
  id: z.number().int(),
  siteId: z.number().int().nullable(),
  url: z.string(),
  categories: z.array(z.enum(auditCategories)),
  status: z.enum(['running', 'done', 'partial', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  scores: z.record(z.string(), z.number()),
  grades: z.record(z.string(), z.string()),
  findings: z.array(finding),
  facts: z.record(z.string(), z.unknown()).describe('certificate, thirdParties, technologies, performance: kept to compare audits'),
  errors: z.record(z.string(), z.string()).describe('categories that could not run, with the reason'),
  artifacts: z.array(z.object({ name: z.string(), contentType: z.string() })),
});
const listQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(100)).default(20),
  cursor: queryNumber(z.number().int().min(1).max(maxId)).optional().describe('nextCursor of the previous page: audits older than this id'),
});

/** Audit history: thin routes over AuditService. */
export function auditsRoutes(app: FastifyInstance, audits: AuditService, sites: SitesService): void {
  const tag = 'audits';
  const canSee = async (req: FastifyRequest, siteId: number | null, what?: string) => {
    if (siteId === null) accessOf(req).requireGlobal('read');
    else accessOf(req).require(siteRefOf.site(await sites.getSite(siteId)), 'read', what);
  };
  /** An audit the caller may see: of a site in reach (one-off audits of any URL: instance-wide users only). */
  const auditFor = async (req: FastifyRequest) => {
    const audit = await audits.getAudit(parseId(req));
    await canSee(req, audit.siteId, `audit ${audit.id}`);
    return audit;
  };

  app.get(
    '/sites/:id/audits',
    {
      schema: operation({
        tag,
        summary: "A site's audits, newest first",
        params: idParams,
        query: listQuery,
        ok: { 200: { description: 'A page of audits', schema: pageSchema(auditOut) } },
      }),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query);
      await canSee(req, parseId(req));
      const page = await audits.listAudits(parseId(req), { limit: q.limit, before: q.cursor });
      return { data: page.items, page: { total: page.total, limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.get(
    '/audits/:id',
    { schema: operation({ tag, summary: 'An audit with its scores, grades and findings', params: idParams, ok: { 200: auditOut } }) },
    async (req) => auditFor(req),
  );
  app.get(
    '/audits/:id/report',
    {
      schema: operation({
        tag,
        summary: 'The audit as an HTML report for the site owner',
        params: idParams,
        ok: { 200: { description: 'A page that stands alone (styles and images inside)', media: ['text/html'], schema: { type: 'string' } } },
      }),
    },
    async (req, reply) => {
      const audit = await auditFor(req);
      const html = renderHtmlReport(audit, await audits.artifacts(audit.id));
      // The report embeds its own styles and an image; nothing else may load in it.
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(html);
    },
  );
}
