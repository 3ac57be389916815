import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { toIso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { SitesService } from '../sites/sites.service.js';
import { AuditsRepository, type AuditRow } from './audits.repository.js';
import { defaultAuditsConfig, type AuditsConfig } from './config.js';
import { createAuditNet } from './net.js';
import { compare, type Regression } from './regressions.js';
import { runCategories, sortFindings } from './runner.js';
import { auditCategories, type Artifact, type AuditCategory, type AuditFacts, type Finding, type ProgressEvent, type Severity } from './types.js';

export type { Regression } from './regressions.js';

export interface RunAuditOptions {
  /** Categories to run; all of them when not given. */
  only?: readonly AuditCategory[];
  /** Allow loopback and private addresses (network.allowPrivateTargets or --allow-private). */
  allowPrivate?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Host → address, like curl's --resolve; Chromium's traffic follows it too. */
  resolve?: Record<string, string>;
  /** Extra trusted CA certificates (PEM). */
  ca?: readonly string[];
  /** Ports of the other scheme when the URL uses a non-default port, e.g. { http: 8080 } for https://host:8443/. */
  ports?: { http?: number; https?: number };
}

/** An audit as stored: what `runAudit` returns, the API answers and `--json` prints (in part). */
export interface StoredAudit {
  id: number;
  siteId: number | null;
  url: string;
  categories: AuditCategory[];
  status: 'running' | 'done' | 'partial' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  scores: Record<string, number>;
  grades: Record<string, string>;
  findings: Finding[];
  facts: AuditFacts;
  /** Categories that could not run, with the reason. */
  errors: Record<string, string>;
  artifacts: { name: string; contentType: string }[];
}

export interface AuditServiceOptions {
  config?: AuditsConfig;
  /** Where an updated retire.js repository is kept. */
  dataDir?: string;
  /** network.allowPrivateTargets: the default for runs that do not say. */
  allowPrivateTargets?: boolean;
}

/**
 * Audits: run one now, keep it with its history, and tell what got worse since the last one.
 *
 * @example
 * const audit = await core.audits.runAudit(site.id, { only: ['security'] });
 * for (const r of await core.audits.compareWithPrevious(audit)) raiseEvent(r);
 */
export class AuditService {
  private readonly repo: AuditsRepository;
  private config: AuditsConfig;
  private allowPrivateTargets: boolean;
  private readonly stored: ((audit: StoredAudit) => Promise<void>)[] = [];

  constructor(
    db: Kysely<Database>,
    private readonly sites: SitesService,
    private readonly clock: Clock,
    private readonly options: AuditServiceOptions = {},
  ) {
    this.repo = new AuditsRepository(db);
    this.config = options.config ?? defaultAuditsConfig();
    this.allowPrivateTargets = options.allowPrivateTargets ?? false;
  }

  /**
   * Runs `listener` after every audit of a site is stored, however it ran (the scheduler, `upkeep
   * audit`, the API): features that learn from audits (GDPR records) follow them on one path.
   */
  afterStore(listener: (audit: StoredAudit) => Promise<void>): void {
    this.stored.push(listener);
  }

  /** Takes upkeep.yaml's `audits:` section and `network.allowPrivateTargets` (at start and after each apply). */
  useConfig(config: AuditsConfig, allowPrivateTargets: boolean): void {
    this.config = config;
    this.allowPrivateTargets = allowPrivateTargets;
  }

  /** When each site's latest audit of each category started, by "siteId:category". */
  lastStarts(): Promise<Map<string, number>> {
    return this.repo.lastStarts();
  }

  /** The `audits:` settings in force: schedules for the engine, limits for the runs. */
  settings(): AuditsConfig {
    return this.config;
  }

  /** Runs an audit of a site (by id) or of any URL now, stores it with its findings and evidence, and returns it. */
  async runAudit(siteOrUrl: number | string, opts: RunAuditOptions = {}): Promise<StoredAudit> {
    const { siteId, url } = await this.target(siteOrUrl);
    const only = opts.only?.length ? [...new Set(opts.only)] : [...auditCategories];
    const id = await this.repo.insertAudit({ siteId, url: url.href, categories: only, startedAt: this.clock.now() });
    const net = createAuditNet({ allowPrivate: opts.allowPrivate ?? this.allowPrivateTargets, resolve: opts.resolve, ca: opts.ca });
    const outcome = await runCategories(
      {
        url,
        net,
        config: this.config,
        ports: opts.ports ?? {},
        dataDir: this.options.dataDir,
        step: (category, message) => opts.onProgress?.({ type: 'step', category, message }),
      },
      only,
      opts.onProgress ?? (() => undefined),
    );
    const failed = Object.keys(outcome.errors).length;
    const status = failed === 0 ? 'done' : failed === only.length ? 'failed' : 'partial';
    const finish = { status, finishedAt: this.clock.now(), scores: outcome.scores, grades: outcome.grades, facts: outcome.facts, errors: outcome.errors };
    await this.repo.finishAudit(id, finish, outcome.findings, outcome.artifacts);
    const audit = await this.getAudit(id);
    if (audit.siteId !== null) for (const listener of this.stored) await listener(audit);
    return audit;
  }

  async getAudit(id: number): Promise<StoredAudit> {
    const row = await this.repo.getAudit(id);
    if (!row) throw new AppError('not_found', `audit ${id} does not exist`);
    return this.show(row);
  }

  /** A site's audits, newest first; `before` is the cursor (an audit id) from the previous page. */
  async listAudits(
    siteId: number,
    page: { limit: number; before?: number | undefined },
  ): Promise<{ items: StoredAudit[]; total: number; nextCursor: string | null }> {
    await this.sites.getSite(siteId);
    const { rows, total } = await this.repo.listForSite(siteId, { limit: page.limit, beforeId: page.before });
    const items = await Promise.all(rows.map((r) => this.show(r)));
    return { items, total, nextCursor: rows.length === page.limit ? String(rows.at(-1)!.id) : null };
  }

  artifacts(id: number): Promise<Artifact[]> {
    return this.repo.artifacts(id);
  }

  /**
   * What got worse since the previous audit of each category this audit covered: new findings, scores
   * that fell by at least `audits.scoreDropThreshold`, new third parties, a changed certificate.
   * The first audit of a category sets the baseline and raises nothing.
   */
  async compareWithPrevious(audit: StoredAudit): Promise<Regression[]> {
    const row = await this.repo.getAudit(audit.id);
    if (!row) throw new AppError('not_found', `audit ${audit.id} does not exist`);
    const regressions: Regression[] = [];
    for (const category of audit.categories) {
      if (audit.errors[category]) continue;
      const previousRow = await this.repo.previousCovering(row, category);
      if (!previousRow) continue;
      const previous = await this.show(previousRow);
      if (previous.errors[category]) continue;
      regressions.push(...compare(category, audit, previous, this.config.scoreDropThreshold));
    }
    return regressions;
  }

  private async target(siteOrUrl: number | string): Promise<{ siteId: number | null; url: URL }> {
    if (typeof siteOrUrl === 'number') {
      const site = await this.sites.getSite(siteOrUrl);
      if (!site.spec.url) throw new AppError('invalid_input', `site "${site.spec.name}" has no url to audit; add one to the site`);
      return { siteId: site.id, url: new URL(site.spec.url) };
    }
    let url: URL;
    try {
      url = new URL(siteOrUrl);
    } catch {
      throw new AppError('invalid_input', `expected an http(s) URL like "https://example.com/", got "${siteOrUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new AppError('invalid_input', `only http and https URLs can be audited, got "${siteOrUrl}"`);
    return { siteId: null, url };
  }

  private async show(row: AuditRow): Promise<StoredAudit> {
    const [findings, artifacts] = await Promise.all([this.repo.findings(row.id), this.repo.artifactNames(row.id)]);
    return {
      id: row.id,
      siteId: row.site_id,
      url: row.url,
      categories: row.categories.split(',') as AuditCategory[],
      status: row.status as StoredAudit['status'],
      startedAt: toIso(row.started_at),
      finishedAt: row.finished_at === null ? null : toIso(row.finished_at),
      scores: JSON.parse(row.scores) as Record<string, number>,
      grades: JSON.parse(row.grades) as Record<string, string>,
      findings: sortFindings(
        findings.map((f) => ({
          id: f.finding_id,
          category: f.category as AuditCategory,
          severity: f.severity as Severity,
          title: f.title,
          evidence: f.evidence,
          fix: f.fix,
        })),
      ),
      facts: JSON.parse(row.facts) as AuditFacts,
      errors: JSON.parse(row.errors) as Record<string, string>,
      artifacts: artifacts.map((a) => ({ name: a.name, contentType: a.content_type })),
    };
  }
}
