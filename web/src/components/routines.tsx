import { api } from '../api';
import { when } from '../format';
import { useLoad } from '../hooks';
import { Link } from '../router';
import type { Routine } from './routine-form';
import { ErrorNote } from './ui';

/** A site's routines on its page: when each is due, overdue ones marked; they are done and changed on the routines page. */
export function SiteRoutines({ siteId }: { siteId: number }) {
  const list = useLoad((signal) => api<{ data: Routine[] }>(`/sites/${siteId}/routines`, { signal }), [siteId]);
  if (!list.data?.data.length) return <ErrorNote error={list.error} />;
  return (
    <section aria-label="Routines">
      <h2>
        <Link to={`/sites/${siteId}/routines`}>Routines</Link>
      </h2>
      <ul className="plain">
        {list.data.data.map((r) => (
          <li key={r.id} data-routine={r.name}>
            <strong>{r.name}</strong> · {r.checklist.length} items · {r.assignee ?? 'site owner'} ·{' '}
            {r.overdue ? <span className="overdue">overdue since {when(r.dueAt)}</span> : `due ${when(r.dueAt)}`}
          </li>
        ))}
      </ul>
    </section>
  );
}
