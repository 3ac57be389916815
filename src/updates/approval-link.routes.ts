import type { FastifyInstance } from 'fastify';
import { escapeHtml, linkFailed, linkPage } from '../incidents/ack.routes.js';
import type { UpdatesService } from './updates.service.js';

/**
 * Signed approval links from update messages, no login needed. Opening one only shows the plan and a
 * button (mail scanners open links; they must approve nothing); the button's POST approves, once,
 * the plan the link was signed for.
 */
export function approvalLinkRoutes(app: FastifyInstance, updates: UpdatesService): void {
  app.get('/update-approval/:token', { schema: { hide: true } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    try {
      const { approval } = await updates.linkTarget(token);
      const steps = approval.steps.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
      const action = `/update-approval/${escapeHtml(encodeURIComponent(token))}`;
      return linkPage(
        reply,
        200,
        'Approve these updates?',
        `<p>Asked by ${escapeHtml(approval.requestedBy)}. The run backs the site up, runs these steps, checks the pages and rolls back if they fail:</p><ol>${steps}</ol>` +
          `<form method="post" action="${action}"><button type="submit">Approve and run</button></form>`,
      );
    } catch (err) {
      return linkFailed(reply, err);
    }
  });
  // The button posts an empty form; its body says nothing the link does not.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1_024 }, (_req, _body, done) => done(null, {}));
  app.post('/update-approval/:token', { schema: { hide: true } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    try {
      const approval = await updates.approveByLink(token);
      const waits = approval.waitsFor;
      const outcome = waits
        ? `and the run starts when the maintenance window ${waits.window} opens${waits.next === null ? '' : ` (${new Date(waits.next).toISOString()})`}`
        : approval.runId === null
          ? `but the run could not start: ${approval.reason ?? 'unknown reason'}`
          : `and update run ${approval.runId} has started`;
      return linkPage(reply, 200, 'Approved', `<p>The updates are approved ${escapeHtml(outcome)}. Thank you.</p>`);
    } catch (err) {
      return linkFailed(reply, err);
    }
  });
}
