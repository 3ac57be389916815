import { api } from '../api';
import { useLoad } from '../hooks';
import { Link } from '../router';

export interface Runbook {
  id: number;
  siteId: number;
  title: string;
  version: number;
  monitorId: number | null;
  /** Markdown as written. */
  body: string;
  /** Rendered and sanitized by the server (only text formatting and http(s) links survive). */
  html: string;
  author: string;
  updatedAt: string;
}

/** Runbook HTML as the server rendered and sanitized it (never Markdown rendered here: one sanitizer, the server's). */
export function RunbookBody({ html }: { html: string }) {
  return <div className="runbook-body" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** Runbooks folded, each opened in place: what to do, read where the trouble is shown. */
function RunbookList({ runbooks, more }: { runbooks: readonly Runbook[]; more?: string }) {
  if (!runbooks.length) return null;
  return (
    <section aria-label="Runbooks">
      <h2>Runbooks</h2>
      {runbooks.map((r) => (
        <details key={r.id} className="runbook">
          <summary>
            {r.title} <span className="muted small">v{r.version}</span>
          </summary>
          <RunbookBody html={r.html} />
        </details>
      ))}
      {more ? (
        <p className="small">
          <Link to={more}>All runbooks of the site</Link>
        </p>
      ) : null}
    </section>
  );
}

/** The runbooks an incident needs: its site's and its monitors'. */
export function IncidentRunbooks({ incidentId }: { incidentId: number }) {
  const list = useLoad((signal) => api<{ data: Runbook[] }>(`/incidents/${incidentId}/runbooks`, { signal }), [incidentId]);
  return <RunbookList runbooks={list.data?.data ?? []} />;
}

/** The runbooks for a monitor: its own and its site's (those of the site's other monitors are left out). */
export function MonitorRunbooks({ siteId, monitorId }: { siteId: number; monitorId: number }) {
  const list = useLoad((signal) => api<{ data: Runbook[] }>(`/sites/${siteId}/runbooks`, { signal }), [siteId]);
  const mine = list.data?.data.filter((r) => r.monitorId === null || r.monitorId === monitorId) ?? [];
  return <RunbookList runbooks={mine} more={`/sites/${siteId}/runbooks`} />;
}
