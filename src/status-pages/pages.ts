import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { isPrivate } from './access.js';
import { Artifact } from './artifact.js';
import { buildPageModel, membersOf, type ModelSources, type PageMembers, type PageModel } from './model.js';
import type { StatusPage, StatusPageCodec } from './status-pages.service.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { withStatusTables } from './tables.js';

interface Entry {
  generation: number;
  at: number;
  model: Promise<PageModel>;
  artifacts: Map<string, Artifact>;
  /** The artifacts of the rendering this one replaced: one that comes out byte for byte the same is kept. */
  previous: Map<string, Artifact> | undefined;
}

/** Different Host headers make different feed links; past this many variants a page's artifacts are made per request. */
const MAX_ARTIFACTS = 64;
/** Badges differ by monitor, kind, period and label (the caller's choice): past this many they are all forgotten. */
const MAX_BADGES = 4_096;

/**
 * The pages as the public sees them, rendered once and served from memory until something they
 * show changes: any engine event, or a change in the database's pages, incidents, updates,
 * maintenance windows, sites or monitors (a cheap signature, polled every second, also catches
 * changes made by another process). Even unchanged, a page is rebuilt after `ttlMs` so today's
 * uptime and "updated" time move on.
 */
export class PublicPages {
  private pages = new Map<string, StatusPage>();
  private domains = new Map<string, string>();
  private members = new Map<string, PageMembers>();
  private publicMonitors = new Set<number>();
  private generation = 0;
  private signature = { members: '', all: '' };
  private refreshing: Promise<void> | undefined;
  private readonly cache = new Map<string, Entry>();
  private readonly badges = new Map<string, { generation: number; at: number; artifact: Artifact }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly codec: StatusPageCodec,
    private readonly sources: ModelSources,
    private readonly log: Logger,
    private readonly ttlMs = 30_000,
  ) {}

  /** Something a page shows may have changed: the next request renders again. */
  invalidate(): void {
    this.generation++;
  }

  /** Re-reads the pages when the database's signature moved; concurrent calls share one run. */
  refresh(force = false): Promise<void> {
    this.refreshing ??= this.load(force).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(force: boolean): Promise<void> {
    const repo = new StatusPagesRepository(withStatusTables(this.db));
    const signature = await repo.signature();
    if (!force && signature.all === this.signature.all) return;
    // Which monitors each page shows is read again only when pages, sites or monitors changed: at 100,000
    // monitors that read takes a second, and incidents change far more often.
    if (force || signature.members !== this.signature.members) {
      const pages = (await repo.all()).map((r) => this.codec.fromRow(r));
      const monitors = pages.length ? await new SitesRepository(this.db).allMonitors() : [];
      this.pages = new Map(pages.map((p) => [p.spec.slug, p]));
      this.members = new Map(pages.map((p) => [p.spec.slug, membersOf(p.spec, monitors)]));
      this.domains = new Map(pages.flatMap((p) => (p.spec.domains ?? []).map((d) => [d.toLowerCase(), p.spec.slug] as const)));
      this.publicMonitors = new Set(pages.filter((p) => !isPrivate(p.spec)).flatMap((p) => this.membersOf(p).monitors.map((m) => m.id)));
      for (const slug of this.cache.keys()) if (!this.pages.has(slug)) this.cache.delete(slug);
    }
    this.signature = signature;
    this.invalidate();
  }

  /** The monitors a page shows, as of the last change to pages, sites or monitors. */
  membersOf(page: StatusPage): PageMembers {
    return this.members.get(page.spec.slug) ?? { byComponent: page.spec.components.map(() => []), monitors: [] };
  }

  page(slug: string): StatusPage | undefined {
    return this.pages.get(slug);
  }

  all(): StatusPage[] {
    return [...this.pages.values()];
  }

  /** The page a custom domain serves (the Host header, without its port). */
  slugForHost(host: string | undefined): string | undefined {
    if (!host || !this.domains.size) return undefined;
    return this.domains.get(host.replace(/:\d+$/, '').toLowerCase());
  }

  /** Whether a monitor is shown on a page without access rules; badges answer only for those. */
  isPublicMonitor(id: number): boolean {
    return this.publicMonitors.has(id);
  }

  /** The page's cache entry if it still shows what is current. */
  private fresh(slug: string): Entry | undefined {
    const current = this.cache.get(slug);
    return current && current.generation === this.generation && this.sources.now() - current.at < this.ttlMs ? current : undefined;
  }

  private entry(page: StatusPage): Entry {
    const current = this.fresh(page.spec.slug);
    if (current) return current;
    const now = this.sources.now();
    const model = buildPageModel(page.id, page.spec, this.membersOf(page), this.sources);
    const previous = this.cache.get(page.spec.slug)?.artifacts;
    const entry: Entry = { generation: this.generation, at: now, model, artifacts: new Map(), previous };
    // A failed build is not kept: the next request tries again.
    model.catch((err: unknown) => {
      this.log.error({ err, page: page.spec.slug }, 'building a status page failed');
      if (this.cache.get(page.spec.slug) === entry) this.cache.delete(page.spec.slug);
    });
    this.cache.set(page.spec.slug, entry);
    return entry;
  }

  model(page: StatusPage): Promise<PageModel> {
    return this.entry(page).model;
  }

  /** One rendering of a page (HTML, CSS, JSON, a feed…), made once per change and kept with its ETag and encodings. */
  async artifact(page: StatusPage, key: string, make: (model: PageModel) => { body: string; type: string }): Promise<Artifact> {
    const entry = this.entry(page);
    const known = entry.artifacts.get(key);
    if (known) return known;
    const model = await entry.model;
    // Another request may have rendered it meanwhile: one artifact per rendering, so ETags and the fast path agree.
    const made = entry.artifacts.get(key);
    if (made) return made;
    const { body, type } = make(model);
    // Rendered again (every 30 s at least) but unchanged: the same artifact keeps its ETag, its compressed
    // variants and the fast path's answers, instead of compressing again and taking the full route meanwhile.
    const before = entry.previous?.get(key);
    entry.previous?.delete(key);
    const artifact = before?.body === body && before.type === type ? before : new Artifact(body, type);
    if (entry.artifacts.size < MAX_ARTIFACTS) entry.artifacts.set(key, artifact);
    return artifact;
  }

  /** A badge (by its URL's parts), made once per change like the pages' artifacts. */
  async badge(key: string, make: () => Promise<{ body: string; type: string }>): Promise<Artifact> {
    const known = this.cachedBadge(key);
    if (known) return known;
    const { body, type } = await make();
    const artifact = new Artifact(body, type);
    if (this.badges.size >= MAX_BADGES) this.badges.clear();
    this.badges.set(key, { generation: this.generation, at: this.sources.now(), artifact });
    return artifact;
  }

  /** A badge already made and still current, or undefined. */
  cachedBadge(key: string): Artifact | undefined {
    const kept = this.badges.get(key);
    return kept && kept.generation === this.generation && this.sources.now() - kept.at < this.ttlMs ? kept.artifact : undefined;
  }

  /** An artifact already made and still current, or undefined (never renders: for the fast path). */
  cached(slug: string, key: string): Artifact | undefined {
    return this.fresh(slug)?.artifacts.get(key);
  }
}
