import type { Kysely, Selectable } from 'kysely';
import type { AuditFindingsTable, AuditsTable, Database } from '../db/types.js';
import type { Artifact, Finding } from './types.js';

export type AuditRow = Selectable<AuditsTable>;
export type FindingRow = Selectable<AuditFindingsTable>;

export interface AuditWrite {
  siteId: number | null;
  url: string;
  categories: readonly string[];
  startedAt: number;
}

export interface AuditFinish {
  status: string;
  finishedAt: number;
  scores: Record<string, number>;
  grades: Record<string, string>;
  facts: object;
  errors: Record<string, string>;
}

/** The only place that knows how audits, their findings and their evidence are stored. */
export class AuditsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertAudit(audit: AuditWrite): Promise<number> {
    const { id } = await this.db
      .insertInto('audits')
      .values({
        site_id: audit.siteId,
        url: audit.url,
        categories: audit.categories.join(','),
        status: 'running',
        started_at: audit.startedAt,
        finished_at: null,
        scores: '{}',
        grades: '{}',
        facts: '{}',
        errors: '{}',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  /** Writes the outcome, findings and evidence of an audit in one transaction, so history never holds half an audit. */
  async finishAudit(id: number, finish: AuditFinish, findings: readonly Finding[], artifacts: readonly Artifact[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('audits')
        .set({
          status: finish.status,
          finished_at: finish.finishedAt,
          scores: JSON.stringify(finish.scores),
          grades: JSON.stringify(finish.grades),
          facts: JSON.stringify(finish.facts),
          errors: JSON.stringify(finish.errors),
        })
        .where('id', '=', id)
        .execute();
      // Inserted in slices: SQLite caps the number of bound parameters in one statement.
      for (let i = 0; i < findings.length; i += 100) {
        await trx
          .insertInto('audit_findings')
          .values(
            findings.slice(i, i + 100).map((f) => ({
              audit_id: id,
              finding_id: f.id,
              category: f.category,
              severity: f.severity,
              title: f.title,
              evidence: f.evidence,
              fix: f.fix,
            })),
          )
          .execute();
      }
      for (const a of artifacts) {
        await trx.insertInto('audit_artifacts').values({ audit_id: id, name: a.name, content_type: a.contentType, content: a.content }).execute();
      }
    });
  }

  getAudit(id: number): Promise<AuditRow | undefined> {
    return this.db.selectFrom('audits').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findings(auditId: number): Promise<FindingRow[]> {
    return this.db.selectFrom('audit_findings').selectAll().where('audit_id', '=', auditId).orderBy('id').execute();
  }

  artifactNames(auditId: number): Promise<{ name: string; content_type: string }[]> {
    return this.db.selectFrom('audit_artifacts').select(['name', 'content_type']).where('audit_id', '=', auditId).orderBy('id').execute();
  }

  artifacts(auditId: number): Promise<Artifact[]> {
    return this.db
      .selectFrom('audit_artifacts')
      .select(['name', 'content_type as contentType', 'content'])
      .where('audit_id', '=', auditId)
      .orderBy('id')
      .execute();
  }

  async listForSite(siteId: number, page: { limit: number; beforeId?: number | undefined }): Promise<{ rows: AuditRow[]; total: number }> {
    const base = this.db.selectFrom('audits').where('site_id', '=', siteId);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .$if(page.beforeId !== undefined, (q) => q.where('id', '<', page.beforeId!))
        .orderBy('id', 'desc')
        .limit(page.limit)
        .execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  /** When each site's latest audit of each category started: what the scheduler counts from. */
  async lastStarts(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('audits')
      .select((eb) => ['site_id', 'categories', eb.fn.max('started_at').as('started_at')])
      .where('site_id', 'is not', null)
      .groupBy(['site_id', 'categories'])
      .execute();
    const out = new Map<string, number>();
    for (const row of rows) {
      for (const category of row.categories.split(',')) {
        const key = `${row.site_id}:${category}`;
        out.set(key, Math.max(out.get(key) ?? 0, Number(row.started_at)));
      }
    }
    return out;
  }

  /**
   * The latest finished audit of the same site (or URL, for one-off audits) before `before` that
   * covered `category`: what a new audit of that category is compared with.
   */
  previousCovering(audit: AuditRow, category: string): Promise<AuditRow | undefined> {
    let query = this.db.selectFrom('audits').selectAll().where('id', '<', audit.id).where('status', 'in', ['done', 'partial']);
    query = audit.site_id === null ? query.where('site_id', 'is', null).where('url', '=', audit.url) : query.where('site_id', '=', audit.site_id);
    return query
      .where((eb) =>
        eb.or([
          eb('categories', '=', category),
          eb('categories', 'like', `${category},%`),
          eb('categories', 'like', `%,${category}`),
          eb('categories', 'like', `%,${category},%`),
        ]),
      )
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}
