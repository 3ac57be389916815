import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.js';

/** What the portfolio needs from an audit: when, and its scores and grades (JSON objects). */
export interface LatestAudit {
  id: number;
  site_id: number | null;
  finished_at: number | null;
  scores: string;
  grades: string;
}

const auditCategories = ['security', 'privacy', 'performance'] as const;
export type PortfolioAuditCategory = (typeof auditCategories)[number];

/** The portfolio's reads beyond sites and monitors: latest audits and open incidents for a page of sites. */
export class DashboardRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The newest finished audit per site that covered each category (audits run per due category,
   * so the newest security audit may be older than the newest privacy one). One query per category.
   */
  async latestAudits(siteIds: readonly number[]): Promise<Record<PortfolioAuditCategory, Map<number, LatestAudit>>> {
    const out = {} as Record<PortfolioAuditCategory, Map<number, LatestAudit>>;
    for (const category of auditCategories) {
      const rows = siteIds.length
        ? await this.db
            .selectFrom('audits')
            .select(['id', 'site_id', 'finished_at', 'scores', 'grades'])
            .where(
              'id',
              'in',
              this.db
                .selectFrom('audits')
                .select((eb) => eb.fn.max('id').as('id'))
                .where('site_id', 'in', [...siteIds])
                .where('status', 'in', ['done', 'partial'])
                .where(sql<string>`',' || categories || ','`, 'like', `%,${category},%`)
                .groupBy('site_id'),
            )
            .execute()
        : [];
      out[category] = new Map(rows.map((r) => [r.site_id!, r]));
    }
    return out;
  }

  /** Incidents not yet resolved, of some sites (undefined: all), newest first. */
  openIncidents(siteIds: readonly number[] | undefined) {
    return this.db
      .selectFrom('incidents')
      .select(['id', 'site_id', 'title', 'severity', 'status', 'opened_at'])
      .where('status', '!=', 'resolved')
      .$if(siteIds !== undefined, (q) => q.where('site_id', 'in', [...siteIds!, -1]))
      .orderBy('id', 'desc')
      .execute();
  }
}
