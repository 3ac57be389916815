import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { ErrorNote, FromFile, Loading, PageTitle } from '../components/ui';
import { ObjectFormEnd } from '../components/yaml-offer';
import { when } from '../format';
import { useAction, useLoad } from '../hooks';
import { canEdit, useSession } from '../session';
import { commaList } from '../components/rows';
import { useEditor } from '../components/editor';

interface Window {
  id: number;
  name: string;
  description?: string;
  sites?: string[];
  monitors?: string[];
  tags?: string[];
  start?: string;
  end?: string;
  cron?: string;
  rrule?: string;
  duration?: string;
  timezone?: string;
  managedBy: string;
}
interface Occurrence {
  name: string;
  start: string;
  end: string;
  active: boolean;
}

const DAY = 86_400_000;

/** A month of days, each with the windows that touch it (from the server's calendar, which knows time zones and DST). */
function Calendar({ occurrences }: { occurrences: readonly Occurrence[] }) {
  const [offset, setOffset] = useState(0);
  const now = new Date();
  const month = new Date(now.getFullYear(), now.getMonth() + offset, 1);
  const first = new Date(month);
  first.setDate(1 - ((month.getDay() + 6) % 7));
  const days = Array.from({ length: 42 }, (_, i) => new Date(first.getFullYear(), first.getMonth(), first.getDate() + i));
  const title = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
  return (
    <section aria-label={`Maintenance calendar, ${title}`}>
      <div className="toolbar">
        <button type="button" onClick={() => setOffset((o) => o - 1)} aria-label="Previous month">
          ←
        </button>
        <strong>{title}</strong>
        <button type="button" onClick={() => setOffset((o) => o + 1)} aria-label="Next month">
          →
        </button>
      </div>
      <div className="calendar">
        {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
          <div key={d} className="calendar-head">
            {d}
          </div>
        ))}
        {days.map((d) => {
          const from = d.getTime();
          const here = occurrences.filter((o) => Date.parse(o.start) < from + DAY && Date.parse(o.end) > from);
          const today = d.toDateString() === now.toDateString();
          return (
            <div key={from} className={`calendar-day${d.getMonth() === month.getMonth() ? '' : ' other'}${today ? ' today' : ''}`}>
              <span className="small">{d.getDate()}</span>
              {here.map((o) => (
                <span key={o.name + o.start} className={`calendar-item${o.active ? ' active' : ''}`} title={`${o.name}: ${when(o.start)} – ${when(o.end)}`}>
                  {o.name}
                </span>
              ))}
            </div>
          );
        })}
      </div>
    </section>
  );
}

export function MaintenancePage() {
  const { user } = useSession();
  const windows = useLoad((signal) => api<{ data: Window[] }>('/maintenance', { signal }), []);
  const upcoming = useLoad((signal) => api<{ data: Occurrence[] }>('/maintenance/upcoming?window=366d', { signal }), []);
  const action = useAction();
  const reload = () => {
    windows.reload();
    upcoming.reload();
  };
  const editor = useEditor<Window>(reload);
  return (
    <main id="main" className="content">
      <PageTitle actions={canEdit(user) ? editor.addButton('Add a window') : null}>Maintenance windows</PageTitle>
      <p className="muted">During a window checks keep running; monitors show “maintenance” and no alert is sent.</p>
      <ErrorNote error={windows.error ?? upcoming.error ?? action.error} />
      {editor.form((object, done) => (
        <WindowForm window={object} onDone={done} />
      ))}
      {upcoming.data ? <Calendar occurrences={upcoming.data.data} /> : <Loading />}
      <h2>Windows</h2>
      {windows.data && !windows.data.data.length ? <p className="empty">No maintenance windows.</p> : null}
      <ul className="plain">
        {windows.data?.data.map((w) => (
          <li key={w.id}>
            <strong>{w.name}</strong> <FromFile managedBy={w.managedBy} />{' '}
            <span className="muted small">
              {w.start ? `${when(w.start)} – ${when(w.end)}` : `${w.cron ?? w.rrule} for ${w.duration} (${w.timezone})`} · covers{' '}
              {[...(w.sites ?? []), ...(w.monitors ?? []), ...(w.tags ?? []).map((t) => `#${t}`)].join(', ')}
            </span>{' '}
            {canEdit(user) ? editor.buttons(w, { question: `Delete ${w.name}?`, path: `/maintenance/${w.id}` }, action.run) : null}
          </li>
        ))}
      </ul>
    </main>
  );
}

const toLocalInput = (iso?: string) => (iso ? new Date(new Date(iso).getTime() - new Date(iso).getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '');

function WindowForm({ window: w, onDone }: { window: Window | undefined; onDone: () => void }) {
  const [v, setV] = useState({
    name: w?.name ?? '',
    description: w?.description ?? '',
    sites: (w?.sites ?? []).join(', '),
    tags: (w?.tags ?? []).join(', '),
    kind: w?.cron ? 'cron' : w?.rrule ? 'rrule' : 'once',
    start: toLocalInput(w?.start),
    end: toLocalInput(w?.end),
    rule: w?.cron ?? w?.rrule ?? '',
    duration: w?.duration ?? '1h',
    timezone: w?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const [offer, setOffer] = useState<Record<string, unknown> | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((s) => ({ ...s, [k]: e.target.value }));
  const body = () => ({
    name: v.name.trim(),
    ...(v.description ? { description: v.description } : {}),
    ...(commaList(v.sites).length ? { sites: commaList(v.sites) } : {}),
    ...(w?.monitors?.length ? { monitors: w.monitors } : {}),
    ...(commaList(v.tags).length ? { tags: commaList(v.tags) } : {}),
    ...(v.kind === 'once'
      ? { start: v.start ? new Date(v.start).toISOString() : '', end: v.end ? new Date(v.end).toISOString() : '' }
      : { [v.kind]: v.rule, duration: v.duration }),
    timezone: v.timezone,
  });
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (w?.managedBy === 'config') return setOffer(body());
    const ok = await submit(() => (w ? api(`/maintenance/${w.id}`, { method: 'PUT', body: body() }) : api('/maintenance', { method: 'POST', body: body() })));
    if (ok !== undefined) onDone();
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Maintenance window">
      <div className="grid-2">
        <Field label="Name" error={fieldError('name')}>
          {(p) => <input {...p} value={v.name} onChange={set('name')} required />}
        </Field>
        <Field label="Description" error={fieldError('description')}>
          {(p) => <input {...p} value={v.description} onChange={set('description')} />}
        </Field>
        <Field label="Sites (names, comma-separated)" error={fieldError('sites')}>
          {(p) => <input {...p} value={v.sites} onChange={set('sites')} />}
        </Field>
        <Field label="Tags (comma-separated)" error={fieldError('tags')}>
          {(p) => <input {...p} value={v.tags} onChange={set('tags')} />}
        </Field>
        <Field label="When" error={undefined}>
          {(p) => (
            <select {...p} value={v.kind} onChange={set('kind')}>
              <option value="once">once</option>
              <option value="cron">recurring (cron)</option>
              <option value="rrule">recurring (RRULE)</option>
            </select>
          )}
        </Field>
        <Field label="Time zone" error={fieldError('timezone')}>
          {(p) => <input {...p} value={v.timezone} onChange={set('timezone')} />}
        </Field>
        {v.kind === 'once' ? (
          <>
            <Field label="Start" error={fieldError('start')}>
              {(p) => <input {...p} type="datetime-local" value={v.start} onChange={set('start')} />}
            </Field>
            <Field label="End" error={fieldError('end')}>
              {(p) => <input {...p} type="datetime-local" value={v.end} onChange={set('end')} />}
            </Field>
          </>
        ) : (
          <>
            <Field
              label={v.kind === 'cron' ? 'Cron expression' : 'RRULE'}
              error={fieldError(v.kind)}
              hint={v.kind === 'cron' ? 'e.g. 0 2 * * SUN' : 'e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0'}
            >
              {(p) => <input {...p} value={v.rule} onChange={set('rule')} />}
            </Field>
            <Field label="Duration" error={fieldError('duration')} hint="e.g. 1h">
              {(p) => <input {...p} value={v.duration} onChange={set('duration')} />}
            </Field>
          </>
        )}
      </div>
      <FormError error={error} shown={['name', 'description', 'sites', 'tags', 'timezone', 'start', 'end', 'cron', 'rrule', 'duration']} />
      <ObjectFormEnd what="maintenance window" place={{ section: 'maintenance' }} offer={offer} managedBy={w?.managedBy} busy={busy} onCancel={onDone} />
    </form>
  );
}
