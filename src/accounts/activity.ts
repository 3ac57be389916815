import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { SessionsRepository } from './sessions.repository.js';

const csvCell = (v: string | number | null) => {
  const text = v === null ? '' : String(v);
  // A leading = + - @ would be a formula in a spreadsheet: quoted with a ' in front, it stays text.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The activity log: every change made through the API, logins and account changes; listable and exportable. */
export class ActivityLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async list(filter: { limit: number; beforeId?: number | undefined }) {
    return (await new SessionsRepository(this.db).activity(filter)).map((r) => ({
      id: r.id,
      at: toIso(r.at),
      actor: r.actor,
      userId: r.user_id,
      action: r.action,
      object: r.object,
      summary: r.summary,
      ip: r.ip,
    }));
  }

  async export(format: 'csv' | 'jsonl'): Promise<string> {
    const rows = [];
    for (let before: number | undefined; ;) {
      const page = await this.list({ limit: 1_000, beforeId: before });
      rows.push(...page);
      if (page.length < 1_000) break;
      before = page.at(-1)!.id;
    }
    if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
    const columns = ['id', 'at', 'actor', 'userId', 'action', 'object', 'summary', 'ip'] as const;
    return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
  }

  /**
   * Records every change made through the API once it succeeded: who, which route, on what, from
   * where. One hook for every route, so a new route cannot forget to log.
   */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (req: FastifyRequest, reply) => {
      if (!req.principal || ['GET', 'HEAD', 'OPTIONS'].includes(req.method) || reply.statusCode >= 400) return;
      const route = req.routeOptions.url ?? req.url.split('?')[0]!;
      if (!route.startsWith('/api/v1/') || route === '/api/v1/session') return;
      const params = req.params as Record<string, string> | undefined;
      const object = params?.id ? `${route.split('/')[3]} ${params.id}` : null;
      const name = (req.body as { name?: unknown } | undefined)?.name;
      await new SessionsRepository(this.db)
        .log({
          at: this.clock.now(),
          actor: req.principal.label,
          user_id: req.principal.userId,
          action: `${req.method} ${route.slice('/api/v1'.length)}`,
          object,
          summary: `${req.method} ${route.slice('/api/v1'.length)} → ${reply.statusCode}${typeof name === 'string' ? ` (${name.slice(0, 120)})` : ''}`,
          ip: req.ip,
        })
        .catch((err: unknown) => this.log.error({ err }, 'could not write the activity log'));
    });
  }
}
