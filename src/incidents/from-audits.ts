import type { Kysely } from 'kysely';
import type { Regression, StoredAudit } from '../audits/audit.service.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { Severity } from '../notify/notification.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { SiteCodec } from '../sites/sites.service.js';
import { firstRecipients, newIncident } from './incident-rules.js';
import { IncidentsRepository } from './incidents.repository.js';
import type { Notifier } from './notifier.js';
import { Directory } from './routing.js';

/** What an audit incident remembers of its cause, to know when it is over. */
interface AuditSource {
  audit: number;
  findings: string[];
  categories: string[];
}

/** How much a regression matters to people; null: recorded in the audit history only. */
function severityOf(r: Regression): Severity | null {
  if (r.type !== 'new_finding') return 'minor';
  if (r.finding.severity === 'critical') return 'critical';
  if (r.finding.severity === 'high') return 'major';
  return r.finding.severity === 'medium' ? 'minor' : null;
}

function describe(r: Regression): string {
  switch (r.type) {
    case 'new_finding':
      return `${r.category}: ${r.finding.title}`;
    case 'score_dropped':
      return `${r.category}: ${r.score} score fell from ${r.from} to ${r.to}`;
    case 'new_third_party':
      return `privacy: new third party before consent: ${r.entity ? `${r.entity} (${r.domain})` : r.domain}`;
    case 'certificate_changed':
      return `security: the certificate changed (now issued by ${r.to.issuer}, valid until ${r.to.validTo.slice(0, 10)})`;
  }
}

const rank: Record<Severity, number> = { minor: 1, major: 2, critical: 3 };

/**
 * Turns an audit's regressions into an incident for the site (one per audit), and resolves the
 * site's open audit incident once a later audit of the same categories no longer shows what opened
 * it. Runs in one transaction, writing the outbox like every other incident change.
 */
export async function applyAuditOutcome(
  db: Kysely<Database>,
  ctx: { clock: Clock; codec: SiteCodec; notifier: Notifier },
  audit: StoredAudit,
  regressions: readonly Regression[],
): Promise<void> {
  if (audit.siteId === null) return;
  const siteId = audit.siteId;
  await db.transaction().execute(async (trx) => {
    const incidents = new IncidentsRepository(trx);
    const now = ctx.clock.now();
    const open = (await incidents.list({ siteId, status: 'open', limit: 20 })).filter((i) => i.origin === 'audit');
    const present = new Set(audit.findings.map((f) => f.id));
    for (const incident of open) {
      const source = JSON.parse(incident.source ?? '{}') as Partial<AuditSource>;
      const covered = (source.categories ?? []).every((c) => audit.categories.includes(c as never) && !audit.errors[c]);
      if (covered && !(source.findings ?? []).some((id) => present.has(id))) {
        await incidents.update(incident.id, { status: 'resolved', resolved_at: now, next_escalation_at: null, next_reminder_at: null, updated_at: now });
        await incidents.addTimeline(incident.id, now, 'resolved', `audit #${audit.id} no longer shows what opened this incident`);
        await ctx.notifier.send(trx, (await incidents.get(incident.id))!, 'incident.resolved', await ctx.notifier.notified(trx, incident.id), { fold: false });
      }
    }
    const rated = regressions.map((r) => ({ r, severity: severityOf(r) })).filter((x): x is { r: Regression; severity: Severity } => x.severity !== null);
    if (!rated.length) return;
    const severity = rated.reduce<Severity>((worst, x) => (rank[x.severity] > rank[worst] ? x.severity : worst), 'minor');
    const siteRow = await new SitesRepository(trx).getSite(siteId);
    if (!siteRow) return;
    const site = ctx.codec.siteFromRow(siteRow);
    const dir = await Directory.load(trx);
    const lines = rated.map((x) => describe(x.r));
    const source: AuditSource = {
      audit: audit.id,
      findings: rated.flatMap((x) => (x.r.type === 'new_finding' ? [x.r.finding.id] : [])),
      categories: [...new Set(rated.map((x) => x.r.category))],
    };
    const title = `Audit: ${lines[0]!}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`;
    const id = await incidents.insert(
      newIncident(dir, site, { title, severity, origin: 'audit', summary: lines.join('; '), openedAt: now, now, source: JSON.stringify(source) }),
    );
    for (const line of lines) await incidents.addTimeline(id, now, 'opened', `audit #${audit.id}: ${line}`);
    await ctx.notifier.send(trx, (await incidents.get(id))!, 'incident.opened', firstRecipients(dir, site, undefined, severity, now), { fold: false });
  });
}
