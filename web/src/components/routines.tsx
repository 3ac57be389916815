import { api } from '../api';
import { when } from '../format';
import { useAction, useLoad } from '../hooks';
import { ErrorNote } from './ui';

interface Routine {
  id: number;
  name: string;
  checklist: string[];
  assignee?: string;
  dueAt: string | null;
  overdue: boolean;
}

/** A site's routines: when each is due, overdue ones marked; editors record one as done. */
export function SiteRoutines({ siteId, editable }: { siteId: number; editable: boolean }) {
  const list = useLoad((signal) => api<{ data: Routine[] }>(`/sites/${siteId}/routines`, { signal }), [siteId]);
  const action = useAction();
  const complete = (r: Routine) => {
    const notes = prompt(`Notes for "${r.name}" (what was done)`);
    if (notes === null) return;
    action.run(() => api(`/routines/${r.id}/complete`, { method: 'POST', body: { notes } }), list.reload);
  };
  if (!list.data?.data.length) return null;
  return (
    <section aria-label="Routines">
      <h2>Routines</h2>
      <ErrorNote error={list.error ?? action.error} />
      <ul className="plain">
        {list.data.data.map((r) => (
          <li key={r.id} data-routine={r.name}>
            <strong>{r.name}</strong> · {r.checklist.length} items · {r.assignee ?? 'site owner'} ·{' '}
            {r.overdue ? <span className="overdue">overdue since {when(r.dueAt)}</span> : `due ${when(r.dueAt)}`}
            {editable ? (
              <>
                {' '}
                <button type="button" onClick={() => complete(r)}>
                  Done
                </button>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
