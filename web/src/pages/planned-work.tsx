import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { boundFields, Field, FormEnd, useSubmit } from '../components/form';
import type { Planned } from '../components/site-book';
import { SiteHead, useSite } from '../components/site-nav';
import { ErrorNote, Loading } from '../components/ui';
import { useAction, useLoad, usePanel } from '../hooks';
import { Link } from '../router';
import { canEdit, isGlobal, useSession } from '../session';

const kinds = ['upgrade', 'redesign', 'migration', 'other'] as const;
const states = ['planned', 'in-progress', 'done', 'cancelled'] as const;

const today = () => new Date().toISOString().slice(0, 10);

/** Plans or changes an upgrade or redesign: what, by when, its state, and the maintenance window it is done in. */
function PlannedForm({ siteId, item, onDone }: { siteId: number; item: Planned | undefined; onDone: () => void }) {
  const { user } = useSession();
  // Maintenance windows are instance-wide: team accounts cannot list them, and keep the item's window as it is.
  const windows = useLoad(
    (signal) => (isGlobal(user) ? api<{ data: { id: number; name: string }[] }>('/maintenance', { signal }) : Promise.resolve(null)),
    [user.id],
  );
  const [v, setV] = useState({
    title: item?.title ?? '',
    kind: item?.kind ?? 'upgrade',
    targetDate: item?.targetDate ?? '',
    state: item?.state ?? 'planned',
    notes: item?.notes ?? '',
    maintenanceId: item?.maintenance ? String(item.maintenance.id) : '',
  });
  const { busy, error, submit, fieldError } = useSubmit();
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((s) => ({ ...s, [k]: e.target.value }));
  const options = [...(windows.data?.data ?? [])];
  if (item?.maintenance && !options.some((w) => w.id === item.maintenance!.id)) options.unshift(item.maintenance);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { ...v, maintenanceId: v.maintenanceId ? Number(v.maintenanceId) : null };
    const ok = await submit(() =>
      item ? api(`/planned-work/${item.id}`, { method: 'PUT', body }) : api(`/sites/${siteId}/planned-work`, { method: 'POST', body }),
    );
    if (ok !== undefined) onDone();
  };
  const { choice } = boundFields(fieldError);
  const select = (k: 'kind' | 'state', label: string, values: readonly string[]) => choice(k, label, values, v[k], (x) => setV((s) => ({ ...s, [k]: x })));
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label={item ? `Edit ${item.title}` : 'Plan work'}>
      <div className="grid-2">
        <Field label="Title" error={fieldError('title')}>
          {(p) => <input {...p} value={v.title} onChange={set('title')} required maxLength={200} />}
        </Field>
        {select('kind', 'Kind', kinds)}
        <Field label="Target date" error={fieldError('targetDate')}>
          {(p) => <input {...p} type="date" value={v.targetDate} onChange={set('targetDate')} required />}
        </Field>
        {select('state', 'State', states)}
        <Field
          label="Maintenance window"
          error={fieldError('maintenanceId')}
          hint={isGlobal(user) ? 'its announcement on status pages covers the work' : 'windows are set by the instance’s admins'}
        >
          {(p) => (
            <select {...p} value={v.maintenanceId} onChange={set('maintenanceId')} disabled={!isGlobal(user) && !item?.maintenance}>
              <option value="">none</option>
              {options.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Notes" error={fieldError('notes')}>
          {(p) => <textarea {...p} rows={2} value={v.notes} onChange={set('notes')} />}
        </Field>
      </div>
      <FormEnd
        error={error}
        shown={['title', 'kind', 'targetDate', 'state', 'notes', 'maintenanceId']}
        busy={busy}
        submit={item ? 'Save' : 'Add planned work'}
        onCancel={onDone}
      />
    </form>
  );
}

/** A site's planned upgrades and redesigns, by target date; late ones stand out. */
export function PlannedWorkPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const editable = canEdit(user);
  const site = useSite(siteId);
  const list = useLoad((signal) => api<{ data: Planned[] }>(`/sites/${siteId}/planned-work`, { signal }), [siteId]);
  const action = useAction();
  const panel = usePanel<'edit'>(list.reload);
  return (
    <main id="main" className="content">
      <SiteHead siteId={siteId} name={site.data?.name} title="Planned work" add={editable ? { label: 'Plan work', onClick: panel.add } : null} />
      <ErrorNote error={list.error ?? action.error} />
      {panel.adding ? <PlannedForm siteId={siteId} item={undefined} onDone={panel.close} /> : null}
      {!list.data ? <Loading what="planned work" /> : null}
      {list.data && !list.data.data.length ? <p className="empty">No upgrades or redesigns planned.</p> : null}
      <ul className="plain rows">
        {list.data?.data.map((p) => {
          const late = p.targetDate < today() && (p.state === 'planned' || p.state === 'in-progress');
          return (
            <li key={p.id} data-planned={p.title}>
              <strong>{p.title}</strong> <span className="muted small">({p.kind})</span> · target {p.targetDate}
              {late ? <strong className="overdue"> · past its target date</strong> : null} · {p.state}
              {p.maintenance ? (
                <>
                  {' · in maintenance window '}
                  {isGlobal(user) ? <Link to="/maintenance">{p.maintenance.name}</Link> : p.maintenance.name}
                </>
              ) : null}
              {p.notes ? <p className="small">{p.notes}</p> : null}
              {editable ? (
                <div className="toolbar" role="group" aria-label={`Planned work ${p.title}`}>
                  <button type="button" aria-expanded={panel.of(p.id) === 'edit'} onClick={() => panel.toggle('edit', p.id)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => confirm(`Delete “${p.title}”?`) && action.run(() => api(`/planned-work/${p.id}`, { method: 'DELETE' }), panel.close)}
                  >
                    Delete
                  </button>
                </div>
              ) : null}
              {panel.of(p.id) ? <PlannedForm siteId={siteId} item={p} onDone={panel.close} /> : null}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
