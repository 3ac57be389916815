import type { ReactNode } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import { Link, useLocation } from '../router';
import type { SiteObject } from './site-form';
import { PageTitle } from './ui';

/** The pages about one site beyond its overview: the site's care, papers and people. */
const siteSections = [
  ['feedback', 'Feedback'],
  ['routines', 'Routines'],
  ['runbooks', 'Runbooks'],
  ['register', 'Register'],
  ['privacy', 'GDPR records'],
  ['planned-work', 'Planned work'],
] as const;

/** The site a sub-page is about (for its name in crumbs and in YAML offers). */
export function useSite(siteId: number) {
  return useLoad((signal) => api<SiteObject>(`/sites/${siteId}`, { signal }), [siteId]);
}

/** Links to a site's sections; the current one is marked for screen readers. */
export function SiteSections({ siteId }: { siteId: number }) {
  const { path } = useLocation();
  return (
    <nav aria-label="Site sections" className="toolbar small">
      {siteSections.map(([slug, label]) => {
        const to = `/sites/${siteId}/${slug}`;
        return (
          <Link key={slug} to={to} {...(path === to ? { 'aria-current': 'page' as const } : {})}>
            {label}
          </Link>
        );
      })}
    </nav>
  );
}

/** Crumbs back to the overview and the site, then its sections. */
function SiteCrumbs({ siteId, name }: { siteId: number; name: string | undefined }) {
  return (
    <>
      <p className="crumbs">
        <Link to="/">Overview</Link> / <Link to={`/sites/${siteId}`}>{name ?? 'Site'}</Link> /
      </p>
      <SiteSections siteId={siteId} />
    </>
  );
}

/** The head of a site's sub-page: crumbs, sections, its title with its actions, and the primary "add" button (for editors). */
export function SiteHead({
  siteId,
  name,
  title,
  add,
  children,
}: {
  siteId: number;
  name: string | undefined;
  title: string;
  /** Left out for those who may not add. */
  add?: { label: string; onClick: () => void } | null | undefined;
  /** Other actions, before the primary one. */
  children?: ReactNode;
}) {
  return (
    <>
      <SiteCrumbs siteId={siteId} name={name} />
      <PageTitle
        actions={
          add || children ? (
            <>
              {children}
              {add ? (
                <button type="button" className="primary" onClick={add.onClick}>
                  {add.label}
                </button>
              ) : null}
            </>
          ) : null
        }
      >
        {title}
      </PageTitle>
    </>
  );
}
