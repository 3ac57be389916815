import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maxId } from '../lib/ids.js';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, pageSchema, parseId, queryNumber } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import type { FeedbackRow } from './feedback.repository.js';
import { feedbackOut, ratingDayOut, widgetOut } from './feedback.openapi.js';
import { inboxQuery, triageInput, widgetInput } from './feedback.schema.js';
import type { FeedbackInbox, Widget } from './inbox.service.js';
import { siteOfPath } from '../sites/site-access.js';

export interface FeedbackRouteDeps {
  inbox: FeedbackInbox;
  sites: SitesService;
  /** server.publicUrl, for the widget's addresses (else the address the request came to). */
  publicUrl: string | undefined;
}

const listQuery = inboxQuery.extend({
  limit: queryNumber(z.number().int().min(1).max(200)).default(50),
  cursor: queryNumber(z.number().int().min(1).max(maxId)).optional().describe('nextCursor of the previous page: reports older than this id'),
});
const ratingsQuery = z.object({ days: queryNumber(z.number().int().min(1).max(366)).default(30) });

export const showFeedback = (f: FeedbackRow) => ({
  id: f.id,
  siteId: f.site_id,
  state: f.state,
  wentWrong: f.went_wrong === null ? null : f.went_wrong === 1,
  rating: f.rating,
  comment: f.comment,
  email: f.email,
  pageUrl: f.page_url,
  userAgent: f.user_agent,
  tags: JSON.parse(f.tags) as string[],
  incidentId: f.incident_id,
  createdAt: toIso(Number(f.created_at)),
  updatedAt: toIso(Number(f.updated_at)),
});

/** Each site's feedback in the API: its widget, its inbox with triage, its ratings. Scoped like the site. */
export function feedbackRoutes(app: FastifyInstance, deps: FeedbackRouteDeps): void {
  const tag = 'feedback';
  const site = (req: FastifyRequest, need: 'read' | 'write') => siteOfPath(req, deps.sites, need);
  const report = async (req: FastifyRequest, need: 'read' | 'write') => {
    const row = await deps.inbox.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(row.site_id)), need, `feedback ${row.id}`);
    return row;
  };
  const showWidget = (req: FastifyRequest, w: Widget) => {
    const base = (deps.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
    const scriptUrl = `${base}/feedback/${w.siteKey}.js`;
    const formUrl = `${base}/feedback/${w.siteKey}/form`;
    const snippet = `<script src="${scriptUrl}" async></script>\n<noscript><a href="${formUrl}">Report a problem</a></noscript>`;
    return { ...w, scriptUrl, formUrl, snippet };
  };

  app.get(
    '/sites/:id/feedback-widget',
    { schema: operation({ tag, summary: "The site's feedback widget: its key, origins and the snippet to embed", params: idParams, ok: { 200: widgetOut } }) },
    async (req) => showWidget(req, await deps.inbox.widget(await site(req, 'read'))),
  );
  app.put(
    '/sites/:id/feedback-widget',
    {
      schema: operation({
        tag,
        summary: "Make the site's feedback widget, or change the origins it takes reports from",
        params: idParams,
        body: widgetInput,
        ok: { 200: widgetOut },
        errors: [409],
      }),
    },
    async (req) => showWidget(req, await deps.inbox.saveWidget(await site(req, 'write'), req.body)),
  );
  app.get(
    '/sites/:id/feedback',
    {
      schema: operation({
        tag,
        summary: "The site's feedback inbox, newest first",
        params: idParams,
        query: listQuery,
        ok: { 200: { description: 'A page of reports', schema: pageSchema(feedbackOut, 'cursor') } },
      }),
    },
    async (req) => {
      const siteId = await site(req, 'read');
      const q = parseInput(listQuery, req.query);
      const rows = await deps.inbox.list({ siteId, state: q.state, tag: q.tag, q: q.q, limit: q.limit, before: q.cursor });
      const last = rows.at(-1);
      return { data: rows.map(showFeedback), page: { limit: q.limit, nextCursor: rows.length === q.limit && last ? String(last.id) : null } };
    },
  );
  app.get(
    '/sites/:id/feedback-ratings',
    {
      schema: operation({
        tag,
        summary: "The site's ratings per day (the trend)",
        params: idParams,
        query: ratingsQuery,
        ok: { 200: { description: 'One entry per UTC day, oldest first', schema: listSchema(ratingDayOut) } },
      }),
    },
    async (req) => {
      const siteId = await site(req, 'read');
      return { data: await deps.inbox.ratings(siteId, parseInput(ratingsQuery, req.query).days) };
    },
  );
  app.get('/feedback/:id', { schema: operation({ tag, summary: 'One report', params: idParams, ok: { 200: feedbackOut } }) }, async (req) =>
    showFeedback(await report(req, 'read')),
  );
  app.patch(
    '/feedback/:id',
    {
      schema: operation({
        tag,
        summary: 'Triage a report: its state (new → triaged → linked → done), tags, the incident it is about',
        params: idParams,
        body: triageInput,
        ok: { 200: feedbackOut },
      }),
    },
    async (req) => showFeedback(await deps.inbox.triage((await report(req, 'write')).id, req.body)),
  );
}
