import type { SiteObject } from '../components/site-form';

/** How to fill an empty pillar of a site, with the button that does it where the dashboard can. */
export function SetupGuide({
  pillar,
  site,
  onAddMonitor,
}: {
  pillar: string;
  site: SiteObject;
  onAddMonitor: (preset: { name?: string; type?: 'heartbeat' }) => void;
}) {
  const guides: Record<string, { title: string; body: string; action?: { label: string; preset: { name?: string; type?: 'heartbeat' } } }> = {
    uptime: {
      title: 'Uptime',
      body: 'Add a monitor: an HTTP check of the home page is the usual start; TCP, DNS, TLS, domain and heartbeat monitors are there too.',
      action: { label: 'Add a monitor', preset: {} },
    },
    speed: {
      title: 'Speed',
      body: `Speed comes from HTTP monitors (response time) and from performance audits (Lighthouse), which run on the audit schedule for sites with a URL${site.url ? '' : ' — give this site a URL with "Edit site"'}.`,
      action: { label: 'Add an HTTP monitor', preset: {} },
    },
    security: {
      title: 'Security',
      body: site.url
        ? 'Security audits (headers, TLS, exposed files, JavaScript libraries) run on the schedule in upkeep.yaml (audits.schedules.security, daily by default); the first one is on its way.'
        : 'Security audits need the site’s URL: use "Edit site" to give it one. They then run daily (audits.schedules.security in upkeep.yaml).',
    },
    privacy: {
      title: 'Privacy',
      body: site.url
        ? 'Privacy audits (third parties, cookies, trackers before consent) run on the schedule in upkeep.yaml (audits.schedules.privacy, daily by default).'
        : 'Privacy audits need the site’s URL: use "Edit site" to give it one.',
    },
    updates: {
      title: 'Updates',
      body: 'Upkeep does not track software updates yet. Meanwhile, security audits list the software and JavaScript libraries they see, with known vulnerabilities, under the site’s audits.',
    },
    backups: {
      title: 'Backups',
      body: 'Backups report through heartbeat monitors named "Backup: …". Backup jobs in upkeep.yaml (the backups section, docs/backups.md) make theirs by themselves; a backup run elsewhere pings the URL of one added here when it succeeds (or /fail when it fails), and a missed ping raises an incident.',
      action: { label: 'Add a backup heartbeat', preset: { name: 'Backup: nightly', type: 'heartbeat' } },
    },
  };
  const guide = guides[pillar];
  if (!guide) return null;
  return (
    <section id="setup" className="card setup-guide" aria-label={`Set up ${guide.title}`}>
      <h2>Set up {guide.title.toLowerCase()}</h2>
      <p>{guide.body}</p>
      {guide.action ? (
        <button type="button" className="primary" onClick={() => onAddMonitor(guide.action!.preset)}>
          {guide.action.label}
        </button>
      ) : null}
    </section>
  );
}
