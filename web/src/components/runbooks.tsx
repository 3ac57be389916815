import { api } from '../api';
import { useLoad } from '../hooks';

interface Runbook {
  id: number;
  title: string;
  version: number;
  monitorId: number | null;
  /** Rendered and sanitized by the server (only text formatting and http(s) links survive). */
  html: string;
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
          <div dangerouslySetInnerHTML={{ __html: r.html }} />
        </details>
      ))}
    </>
  );
}
