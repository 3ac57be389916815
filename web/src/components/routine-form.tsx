import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { useLoad } from '../hooks';
import { isGlobal, useSession } from '../session';
import { Field, FormError, useSubmit } from './form';
import { lines } from './rows';
import { ruleOf, SchedulePicker, scheduleOf } from './schedule';
import { ObjectFormEnd } from './yaml-offer';

export interface Routine {
  id: number;
  siteId: number;
  name: string;
  template?: string;
  items?: string[];
  rrule: string;
  timezone: string;
  assignee?: string;
  remindBefore: string;
  channels?: string[];
  checklist: string[];
  managedBy: string;
  dueAt: string | null;
  overdue: boolean;
}
interface Template {
  name: string;
  title: string;
  items: string[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const shown = ['name', 'items', 'template', 'rrule', 'timezone', 'assignee', 'remindBefore', 'channels'];

/** The channels an instance-wide account may pick from; team accounts cannot list channels, and keep the routine's. */
function ChannelPicker({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const { user } = useSession();
  const channels = useLoad((signal) => (isGlobal(user) ? api<Page<{ name: string }>>('/channels?limit=200', { signal }) : Promise.resolve(null)), [user.id]);
  const names = [...new Set([...(channels.data?.data.map((c) => c.name) ?? []), ...value])];
  if (!names.length) return null;
  return (
    <fieldset className="wide">
      <legend>Channels told of reminders and overdue</legend>
      {names.map((name) => (
        <label key={name} className="inline">
          <input
            type="checkbox"
            checked={value.includes(name)}
            disabled={!channels.data}
            onChange={(e) => onChange(e.target.checked ? [...value, name] : value.filter((n) => n !== name))}
          />
          {name}
        </label>
      ))}
    </fieldset>
  );
}

/** Adds or changes a routine: from the starter template or blank, a schedule from presets in a time zone, who does it. */
export function RoutineForm({ siteId, siteName, routine, onDone }: { siteId: number; siteName: string; routine: Routine | undefined; onDone: () => void }) {
  const templates = useLoad((signal) => api<{ data: Template[] }>('/routine-templates', { signal }), []);
  const [v, setV] = useState({
    name: routine?.name ?? '',
    template: routine?.template ?? '',
    items: (routine?.checklist ?? []).join('\n'),
    assignee: routine?.assignee ?? '',
    remindBefore: routine?.remindBefore ?? '1d',
    timezone: routine?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    channels: routine?.channels ?? [],
  });
  const [schedule, setSchedule] = useState(() => scheduleOf(routine?.rrule));
  const [offer, setOffer] = useState<Record<string, unknown> | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const set = (k: 'name' | 'items' | 'assignee' | 'remindBefore') => (e: { target: { value: string } }) => setV((s) => ({ ...s, [k]: e.target.value }));
  const chooseTemplate = (name: string) => {
    const t = templates.data?.data.find((x) => x.name === name);
    // A blank start keeps what was typed; a template fills its checklist in, to be changed freely.
    setV((s) => ({ ...s, template: name, items: t ? t.items.join('\n') : s.items, name: s.name || (t?.title ?? '') }));
  };
  const body = () => {
    const items = lines(v.items);
    const template = templates.data?.data.find((t) => t.name === v.template);
    // Unchanged template items are sent as the template, so the routine follows it; changed ones are its own.
    const checklist = template && same(items, template.items) ? { template: template.name } : { items };
    return {
      name: v.name.trim(),
      ...checklist,
      rrule: ruleOf(schedule),
      timezone: v.timezone,
      ...(v.assignee.trim() ? { assignee: v.assignee.trim() } : {}),
      remindBefore: v.remindBefore.trim(),
      ...(v.channels.length ? { channels: v.channels } : {}),
    };
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (routine?.managedBy === 'config') return setOffer(body());
    const ok = await submit(() =>
      routine ? api(`/routines/${routine.id}`, { method: 'PUT', body: body() }) : api(`/sites/${siteId}/routines`, { method: 'POST', body: body() }),
    );
    if (ok !== undefined) onDone();
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label={routine ? `Edit routine ${routine.name}` : 'New routine'}>
      <h2>{routine ? `Edit “${routine.name}”` : 'New routine'}</h2>
      <div className="grid-2">
        <Field label="Start from" hint="a template fills in its checklist; change it as you like">
          {(p) => (
            <select {...p} value={v.template} onChange={(e) => chooseTemplate(e.target.value)}>
              <option value="">Blank checklist</option>
              {templates.data?.data.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.title}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Title" error={fieldError('name')}>
          {(p) => <input {...p} value={v.name} onChange={set('name')} required maxLength={100} />}
        </Field>
        <div className="wide">
          <Field label="Checklist (one item per line)" error={fieldError('items')}>
            {(p) => <textarea {...p} rows={Math.max(4, lines(v.items).length + 1)} value={v.items} onChange={set('items')} />}
          </Field>
        </div>
        <SchedulePicker
          value={schedule}
          timezone={v.timezone}
          onChange={setSchedule}
          onTimezone={(timezone) => setV((s) => ({ ...s, timezone }))}
          error={fieldError('rrule')}
          timezoneError={fieldError('timezone')}
        />
        <Field label="Assignee (an account’s email)" error={fieldError('assignee')} hint="empty: the site’s owner">
          {(p) => <input {...p} type="email" value={v.assignee} onChange={set('assignee')} />}
        </Field>
        <Field label="Remind before" error={fieldError('remindBefore')} hint="e.g. 1d, 12h">
          {(p) => <input {...p} value={v.remindBefore} onChange={set('remindBefore')} required />}
        </Field>
        <ChannelPicker value={v.channels} onChange={(channels) => setV((s) => ({ ...s, channels }))} />
      </div>
      <FormError error={error} shown={shown} />
      <ObjectFormEnd
        what="routine"
        place={{ section: 'routines', site: siteName }}
        offer={offer}
        managedBy={routine?.managedBy}
        busy={busy}
        onCancel={onDone}
      />
    </form>
  );
}
