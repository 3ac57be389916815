import { maxId } from '../lib/ids.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import { AppError } from '../lib/errors.js';
import type { Artifact } from './artifact.js';
import { sendEncoded, type FastPath } from './fast-path.js';
import { escape } from './html.js';

export interface Badge {
  label: string;
  message: string;
  /** Six hex digits. */
  color: string;
}

/** Verdana 11px, roughly: wide enough for the text, as shields.io sizes its badges. */
const textWidth = (text: string) =>
  Math.round([...text].reduce((w, c) => w + (/[il.,:;|' ]/.test(c) ? 3.5 : /[mwMW%@]/.test(c) ? 9.5 : /[A-Z0-9]/.test(c) ? 7.5 : 6.5), 0));

/** A flat badge in the style of shields.io, with its text as <title> and aria-label for screen readers. */
export function badgeSvg({ label, message, color }: Badge): string {
  const lw = textWidth(label) + 10;
  const mw = textWidth(message) + 10;
  const w = lw + mw;
  const text = escape(`${label}: ${message}`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${text}"><title>${text}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/>` +
    `<rect x="${lw}" width="${mw}" height="20" fill="#${color}"/><rect width="${w}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${lw / 2}" y="14">${escape(label)}</text><text x="${lw + mw / 2}" y="14">${escape(message)}</text></g></svg>`
  );
}

const statusColors: Record<string, string> = { up: '2da44e', degraded: 'd4a72c', down: 'd92d20', maintenance: '1d4ed8', paused: '8c959f', pending: '8c959f' };

type BadgeKind = 'status' | 'uptime' | 'response';

export interface BadgeSources {
  isPublic(monitorId: number): boolean;
  status(monitorId: number): string | undefined;
  summary(monitorId: number, from: number, to: number): Promise<{ uptime: number | null; latency: { avg: number | null } }>;
  now(): number;
}

const params = z.object({
  id: z.coerce.number().int().positive().max(maxId),
  file: z.string().regex(/^(status|uptime|response)\.(svg|json)$/, 'expected status, uptime or response, .svg or .json'),
});
const query = z.object({ period: duration({ min: 3_600_000, max: 90 * 86_400_000 }).optional(), label: z.string().max(40).optional() });

/** What a badge says: the live status, uptime over a period (30 days unless asked), or average response time (24 hours). */
export async function badgeOf(kind: BadgeKind, id: number, sources: BadgeSources, period: number | undefined, label: string | undefined): Promise<Badge> {
  const now = sources.now();
  if (kind === 'status') {
    const status = sources.status(id) ?? 'pending';
    return { label: label ?? 'status', message: status, color: statusColors[status] ?? '8c959f' };
  }
  const span = period ?? (kind === 'uptime' ? 30 * 86_400_000 : 86_400_000);
  const summary = await sources.summary(id, now - span, now);
  if (kind === 'uptime') {
    const pct = summary.uptime;
    const color = pct === null ? '8c959f' : pct >= 99.9 ? '2da44e' : pct >= 99 ? '97ca00' : pct >= 95 ? 'd4a72c' : 'd92d20';
    return { label: label ?? 'uptime', message: pct === null ? 'no data' : `${(Math.floor(pct * 100) / 100).toFixed(2)}%`, color };
  }
  const ms = summary.latency.avg;
  const color = ms === null ? '8c959f' : ms < 300 ? '2da44e' : ms < 1_000 ? 'd4a72c' : 'd92d20';
  return { label: label ?? 'response time', message: ms === null ? 'no data' : `${ms} ms`, color };
}

export interface BadgeCache {
  badge(key: string, make: () => Promise<{ body: string; type: string }>): Promise<Artifact>;
  cachedBadge(key: string): Artifact | undefined;
}

/**
 * Badges of monitors shown on public pages: /badge/<monitor id>/status.svg (uptime, response;
 * .json for shields.io's endpoint badge). Any other monitor, private or missing, is a 404 like a
 * monitor that never existed, so badges confirm nothing about what is not public. Each badge is
 * made once per change (like the pages) and sent precompressed, repeat requests by the fast path.
 */
export function badgeRoutes(app: FastifyInstance, sources: BadgeSources, cache: BadgeCache, fast: FastPath | undefined): void {
  app.get('/badge/:id/:file', { schema: { hide: true } }, async (req, reply) => {
    const { id, file } = parseInput(params, req.params);
    if (!sources.isPublic(id)) throw new AppError('not_found', 'no badge here');
    const { period, label } = parseInput(query, req.query);
    const [kind, format] = file.split('.') as [BadgeKind, 'svg' | 'json'];
    const key = JSON.stringify([id, file, period, label]);
    const artifact = await cache.badge(key, async () => {
      const badge = await badgeOf(kind, id, sources, period, label);
      return format === 'json'
        ? { body: JSON.stringify({ schemaVersion: 1, ...badge }), type: 'application/json; charset=utf-8' }
        : { body: badgeSvg(badge), type: 'image/svg+xml; charset=utf-8' };
    });
    reply
      .header('cache-control', 'public, max-age=60')
      .header('vary', 'accept-encoding')
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin');
    if (format === 'svg') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return sendEncoded(req, reply, artifact, { path: fast, current: () => cache.cachedBadge(key) });
  });
}
