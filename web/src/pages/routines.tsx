import { api } from '../api';
import { RoutineForm, type Routine } from '../components/routine-form';
import { CompleteForm, RoutineHistory } from '../components/routine-run';
import { SiteHead, useSite } from '../components/site-nav';
import { ErrorNote, FromFile, Loading } from '../components/ui';
import { when } from '../format';
import { useAction, useLoad, usePanel } from '../hooks';
import { canEdit, useSession } from '../session';

/** A site's routines: add or change them, record one as done with its checklist, read its history; overdue ones stand out. */
export function RoutinesPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const editable = canEdit(user);
  const site = useSite(siteId);
  const list = useLoad((signal) => api<{ data: Routine[] }>(`/sites/${siteId}/routines`, { signal }), [siteId]);
  const action = useAction();
  const panel = usePanel<'edit' | 'complete' | 'history'>(list.reload);
  const remove = (r: Routine) =>
    confirm(`Delete the routine “${r.name}” and its history?`) && action.run(() => api(`/routines/${r.id}`, { method: 'DELETE' }), panel.close);
  const overdue = list.data?.data.filter((r) => r.overdue).length ?? 0;
  return (
    <main id="main" className="content">
      <SiteHead siteId={siteId} name={site.data?.name} title="Routines" add={editable ? { label: 'New routine', onClick: panel.add } : null} />
      <p className="muted">
        Recurring checklists: reminders go to their channels before they are due, and an alert once they are overdue.
        {overdue ? <strong className="overdue"> {overdue} overdue.</strong> : null}
      </p>
      <ErrorNote error={list.error ?? site.error ?? action.error} />
      {panel.adding && site.data ? <RoutineForm siteId={siteId} siteName={site.data.name} routine={undefined} onDone={panel.close} /> : null}
      {!list.data ? <Loading what="routines" /> : null}
      {list.data && !list.data.data.length ? <p className="empty">No routines yet{editable ? ': start one from the starter template.' : '.'}</p> : null}
      <ul className="plain rows">
        {list.data?.data.map((r) => {
          const here = panel.of(r.id);
          return (
            <li key={r.id} data-routine={r.name} className={r.overdue ? 'routine-overdue' : undefined}>
              <strong>{r.name}</strong> <FromFile managedBy={r.managedBy} />{' '}
              <span className="muted small">
                {r.checklist.length} items · {r.assignee ?? 'site owner'} · <code>{r.rrule}</code> ({r.timezone})
              </span>
              <br />
              {r.dueAt === null ? (
                <span className="muted">its rule has ended</span>
              ) : r.overdue ? (
                <span className="overdue">Overdue since {when(r.dueAt)}</span>
              ) : (
                <span>Due {when(r.dueAt)}</span>
              )}
              <div className="toolbar" role="group" aria-label={`Routine ${r.name}`}>
                {editable ? (
                  <button
                    type="button"
                    className={r.overdue ? 'primary' : undefined}
                    aria-expanded={here === 'complete'}
                    onClick={() => panel.toggle('complete', r.id)}
                  >
                    Complete
                  </button>
                ) : null}
                <button type="button" aria-expanded={here === 'history'} onClick={() => panel.toggle('history', r.id)}>
                  History
                </button>
                {editable ? (
                  <>
                    <button type="button" aria-expanded={here === 'edit'} onClick={() => panel.toggle('edit', r.id)}>
                      Edit
                    </button>
                    {r.managedBy === 'config' ? null : (
                      <button type="button" className="danger" onClick={() => remove(r)}>
                        Delete
                      </button>
                    )}
                  </>
                ) : null}
              </div>
              {here === 'complete' ? <CompleteForm routine={r} onDone={panel.close} /> : null}
              {here === 'edit' && site.data ? <RoutineForm siteId={siteId} siteName={site.data.name} routine={r} onDone={panel.close} /> : null}
              {here === 'history' ? <RoutineHistory routineId={r.id} /> : null}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
