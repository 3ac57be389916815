import { api } from '../api';
import { useLoad } from '../hooks';

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

/** The runbooks an incident needs: its site's and its monitors'. */
export function IncidentRunbooks({ incidentId }: { incidentId: number }) {
  const list = useLoad((signal) => api<{ data: Runbook[] }>(`/incidents/${incidentId}/runbooks`, { signal }), [incidentId]);
  if (!list.data?.data.length) return null;
  return (
    <>
      <h2>Runbooks</h2>
      {list.data.data.map((r) => (
        <details key={r.id} className="runbook">
          <summary>
            {r.title} <span className="muted small">v{r.version}</span>
          </summary>
          <RunbookBody html={r.html} />
        </details>
      ))}
    </>
  );
}
