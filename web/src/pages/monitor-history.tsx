import { ms, when } from '../format';
import { Status } from '../components/ui';

export interface MonitorEventRow {
  id: number;
  at: string;
  kind: string;
  from: string | null;
  to: string | null;
  message: string;
  evidence: { at?: string; status?: string; message?: string; statusCode?: number; durationMs?: number }[];
}
export interface ResultRow {
  at: string;
  status: string;
  durationMs: number | null;
  timings: { dns: number | null; connect: number | null; tls: number | null; ttfb: number | null; transfer: number | null } | null;
  statusCode: number | null;
  message: string;
  detail: unknown;
}

/** State changes, newest first, each with the results that made it (its evidence). */
export function EventsList({ events }: { events: readonly MonitorEventRow[] | undefined }) {
  if (!events) return null;
  if (!events.length) return <p className="empty">No state changes yet.</p>;
  return (
    <ol className="timeline">
      {events.map((e) => (
        <li key={e.id}>
          <span className="muted small">{when(e.at)}</span>{' '}
          {e.kind === 'status' ? (
            <>
              <Status value={e.from ?? 'pending'} /> → <Status value={e.to ?? 'pending'} />
            </>
          ) : (
            <span className="badge">{e.kind.replace('_', ' ')}</span>
          )}{' '}
          {e.message}
          {e.evidence.length ? (
            <details>
              <summary>Evidence ({e.evidence.length} results)</summary>
              <ul className="plain small">
                {e.evidence.map((r, i) => (
                  <li key={i}>
                    {when(r.at)} · {r.status} · {r.message}
                    {r.durationMs !== undefined ? ` · ${ms(r.durationMs)}` : ''}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** The newest raw results, with phases and whatever detail the check kept. */
export function ResultsList({ results }: { results: readonly ResultRow[] | undefined }) {
  if (!results) return null;
  if (!results.length) return <p className="empty">No results yet: the first check is on its way.</p>;
  return (
    <ol className="timeline results">
      {results.map((r) => (
        <li key={r.at}>
          <span className="muted small">{when(r.at)}</span> <Status value={r.status} /> {r.message}
          {r.durationMs !== null ? <span className="muted small"> · {ms(r.durationMs)}</span> : null}
          {r.timings || r.detail ? (
            <details>
              <summary>Evidence</summary>
              {r.timings ? (
                <p className="small">
                  DNS {ms(r.timings.dns)} · connect {ms(r.timings.connect)} · TLS {ms(r.timings.tls)} · waiting {ms(r.timings.ttfb)} · transfer{' '}
                  {ms(r.timings.transfer)}
                </p>
              ) : null}
              {r.detail ? <pre className="small">{JSON.stringify(r.detail, null, 2)}</pre> : null}
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
