import { useEffect, useState } from 'react';
import { qs } from '../api';
import { ErrorNote, FromFile, PageTitle, Status } from '../components/ui';
import { VirtualList } from '../components/virtual-list';
import { useServerList, useSettled } from '../hooks';
import { useLive } from '../live';
import { Link, navigate, useLocation } from '../router';
import { canEdit, useSession } from '../session';
import { useNarrow } from '../viewport';

export const pillarNames = ['uptime', 'speed', 'security', 'privacy', 'updates', 'backups'] as const;
export type PillarName = (typeof pillarNames)[number];
export interface Pillar {
  state: 'good' | 'warning' | 'bad' | 'unknown' | 'not_set_up';
  summary: string;
}
export interface PortfolioSite {
  id: number;
  name: string;
  url: string | null;
  tags: string[];
  managedBy: string;
  owner: string | null;
  deputy: string | null;
  ownerFlag: 'no_owner' | 'no_account' | null;
  monitors: number;
  pillars: Record<PillarName, Pillar>;
  incident: { id: number; title: string; severity: string; status: string; openedAt: string } | null;
}
interface PortfolioAnswer {
  data: PortfolioSite[];
  totals: { sites: number; monitors: Record<string, number>; openIncidents: number; overdueRoutines: number; withoutOwner: number };
  page: { total: number; limit: number; nextCursor: string | null };
}

const PAGE = 100;
const pillarTitles: Record<PillarName, string> = {
  uptime: 'Uptime',
  speed: 'Speed',
  security: 'Security',
  privacy: 'Privacy',
  updates: 'Updates',
  backups: 'Backups',
};

/** One pillar's line: its state as a word and colour, the figures, and for an empty pillar a link to set it up. */
export function PillarLine({ name, pillar, siteId }: { name: PillarName; pillar: Pillar; siteId: number }) {
  const word = { good: 'good', warning: 'warning', bad: 'bad', unknown: 'unknown', not_set_up: 'not set up' }[pillar.state];
  return (
    <div className={`pillar pillar-${pillar.state}`} data-pillar={name} title={`${pillarTitles[name]}: ${pillar.summary}`}>
      <span className="pillar-name">{pillarTitles[name]}</span>
      <span className="dot" aria-hidden="true" />
      <span className="sr-only">{word}: </span>
      {pillar.state === 'not_set_up' ? (
        <span>
          not set up{' '}
          <Link to={`/sites/${siteId}?setup=${name}#setup`} title={pillar.summary}>
            set up
          </Link>
        </span>
      ) : (
        <span className="pillar-summary">{pillar.summary}</span>
      )}
    </div>
  );
}

/** Who owns a site, or a warning when nobody does (or the named owner has no account). */
export function OwnerNote({ site }: { site: Pick<PortfolioSite, 'owner' | 'deputy' | 'ownerFlag'> }) {
  if (site.ownerFlag === 'no_owner') return <span className="owner-flag">no owner</span>;
  return (
    <span className="muted small ellipsis" data-owner={site.owner}>
      owner {site.owner}
      {site.ownerFlag === 'no_account' ? <span className="owner-flag"> (no account)</span> : null}
      {site.deputy ? ` · deputy ${site.deputy}` : ''}
    </span>
  );
}

type Show = 'all' | 'problems' | 'unowned';
const showOf = (value: string | null): Show => (value === 'problems' || value === 'unowned' ? value : 'all');

/** Every site with one health line per pillar: searched, filtered and paged on the server, drawn as a virtual list. */
export function PortfolioPage() {
  const { user } = useSession();
  const { query } = useLocation();
  const [search, setSearch] = useState(query.get('q') ?? '');
  const [show, setShow] = useState<Show>(showOf(query.get('show')));
  const q = useSettled(search, 250);
  const { rows: sites, answer, error, loadMore, refresh } = useServerList<PortfolioSite, PortfolioAnswer>('/portfolio', { q, show }, PAGE, 500);
  const narrow = useNarrow();
  useEffect(() => {
    navigate(`/${qs({ q, show: show === 'all' ? '' : show })}`, { replace: true });
  }, [q, show]);

  // Live events change some sites: what is shown is read again in one call (at most 500 rows, once a second at most).
  useLive(refresh);

  const totals = answer?.totals;
  return (
    <main id="main" className="content">
      <PageTitle
        actions={
          canEdit(user) ? (
            <Link to="/sites/new" className="button primary">
              Add a site
            </Link>
          ) : null
        }
      >
        Overview
      </PageTitle>
      {totals ? (
        <p className="totals" aria-live="polite">
          <span>{totals.sites.toLocaleString()} sites</span>
          {(['up', 'degraded', 'down', 'pending', 'paused', 'maintenance'] as const).map((s) =>
            totals.monitors[s] ? (
              <Status key={s} value={s}>
                {totals.monitors[s].toLocaleString()} {s}
              </Status>
            ) : null,
          )}
          <Link to="/incidents">
            {totals.openIncidents} open {totals.openIncidents === 1 ? 'incident' : 'incidents'}
          </Link>
          {totals.overdueRoutines ? (
            <span className="overdue-routines">
              {totals.overdueRoutines} overdue {totals.overdueRoutines === 1 ? 'routine' : 'routines'}
            </span>
          ) : null}
          {totals.withoutOwner ? (
            <button type="button" className="owner-flag" onClick={() => setShow('unowned')}>
              {totals.withoutOwner} without an owner
            </button>
          ) : null}
        </p>
      ) : null}
      <div className="toolbar">
        <input type="search" placeholder="Search sites (press /)" aria-label="Search sites" value={search} onChange={(e) => setSearch(e.target.value)} />
        <label>
          <input type="checkbox" checked={show === 'problems'} onChange={(e) => setShow(e.target.checked ? 'problems' : 'all')} /> Only sites with problems
        </label>
        <label>
          <input type="checkbox" checked={show === 'unowned'} onChange={(e) => setShow(e.target.checked ? 'unowned' : 'all')} /> Only sites without an owner
        </label>
      </div>
      <ErrorNote error={error} title="The overview could not be loaded" />
      {answer && !sites.length ? <p className="empty">{q || show !== 'all' ? 'No site matches.' : 'No sites yet. Add one to start monitoring it.'}</p> : null}
      <VirtualList
        label="Sites"
        items={sites}
        rowHeight={narrow ? 250 : 76}
        keyOf={(s) => s.id}
        onNearEnd={answer?.page.nextCursor ? loadMore : undefined}
        render={(site) => (
          <div className="site-row" data-site={site.name}>
            <div className="site-name">
              <span className="site-title">
                <Link to={`/sites/${site.id}`} className="ellipsis" title={site.name}>
                  {site.name}
                </Link>{' '}
                <FromFile managedBy={site.managedBy} />
              </span>
              {site.incident ? (
                <Link to={`/incidents/${site.incident.id}`} className="incident-chip ellipsis">
                  <Status value={site.incident.status}>{site.incident.status === 'acknowledged' ? 'acknowledged' : 'incident'}</Status> {site.incident.title}
                </Link>
              ) : null}
              <span className="muted small ellipsis">{site.url ?? 'no URL'}</span>
              <OwnerNote site={site} />
            </div>
            <div className="pillars">
              {pillarNames.map((p) => (
                <PillarLine key={p} name={p} pillar={site.pillars[p]} siteId={site.id} />
              ))}
            </div>
          </div>
        )}
      />
    </main>
  );
}
