import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { schemaFields, sharedFields, useKinds, type KindInfo, type SchemaField } from '../kinds';
import { Field, FormError, KindField, useSubmit } from './form';
import { fileForm, ObjectFormEnd } from './yaml-offer';

export interface MonitorObject {
  id: number;
  siteId: number;
  site: string;
  name: string;
  type: string;
  managedBy: string;
  [field: string]: unknown;
}

type FieldDef = Pick<SchemaField, 'key' | 'label' | 'hint'> & Partial<SchemaField>;

/**
 * Hand-made fields of the common types; any other type the server knows gets its plain fields from
 * its JSON Schema. Every other field is kept as it was.
 */
const typeFields: Partial<Record<string, FieldDef[]>> = {
  http: [
    { key: 'url', label: 'URL', hint: 'The page to fetch, e.g. https://shop.example.com/' },
    { key: 'expect.contains', label: 'Page must contain', hint: 'Optional: a word or phrase the page always has.' },
    {
      key: 'expect.status',
      label: 'Expected status codes',
      hint: 'Optional, comma-separated: codes, classes or ranges, e.g. 200, 3xx, 400-404. Default: any 2xx.',
    },
  ],
  tcp: [
    { key: 'host', label: 'Host' },
    { key: 'port', label: 'Port', input: 'number' },
  ],
  dns: [
    { key: 'host', label: 'Name to resolve' },
    { key: 'recordType', label: 'Record type', hint: 'A, AAAA, CNAME, MX, TXT, NS, CAA or SOA' },
  ],
  tls: [
    { key: 'host', label: 'Host' },
    { key: 'warnDays', label: 'Warn days before expiry', input: 'number' },
  ],
  domain: [
    { key: 'domain', label: 'Domain' },
    { key: 'warnDays', label: 'Warn days before expiry', input: 'number' },
  ],
  heartbeat: [
    { key: 'period', label: 'Expect a ping every', hint: 'A duration like 1h or 1d; or leave empty and give a cron schedule.' },
    { key: 'schedule', label: 'Or on a cron schedule', hint: "e.g. 0 3 * * * — a backup's nightly run" },
    { key: 'timezone', label: 'Time zone of the schedule' },
    { key: 'grace', label: 'Grace', hint: 'How late a ping may be, e.g. 30m' },
  ],
};

const get = (o: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
function set(o: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = o;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  if (keys.length > 1 && Object.keys(at).length === 0) delete o[keys[0]!];
}
/** A number when the text is one; otherwise the text, for the server to accept ("2xx") or name in its message. */
const numberOr = (text: string): number | string => (/^\d+$/.test(text) ? Number(text) : text);
function show(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

/** The fields a type's form shows: its hand-made ones, or the plain fields of its schema that are its own. */
function fieldsOf(type: string, kinds: KindInfo[] | undefined): FieldDef[] {
  const made = typeFields[type];
  if (made) return made;
  const kind = kinds?.find((k) => k.kind === type);
  // Every monitor's fields, and the schedule the form asks for itself, are not this type's own.
  return kind ? schemaFields(kind, new Set([...sharedFields(kinds!), 'interval', 'timeout'])) : [];
}

/** Makes or changes a monitor. A monitor from upkeep.yaml is not saved: its YAML is offered instead. */
export function MonitorForm({
  siteId,
  siteName,
  monitor,
  preset,
  onSaved,
  onCancel,
}: {
  siteId: number;
  siteName: string;
  monitor?: MonitorObject;
  preset?: { name?: string; type?: string };
  onSaved: (m: MonitorObject) => void;
  onCancel?: () => void;
}) {
  const kinds = useKinds('monitors');
  const [type, setType] = useState<string>(monitor?.type ?? preset?.type ?? 'http');
  const [values, setValues] = useState<Record<string, string>>(() => ({
    name: monitor?.name ?? preset?.name ?? '',
    interval: show(monitor?.interval ?? '60s'),
    timeout: show(monitor?.timeout ?? '10s'),
  }));
  const [offer, setOffer] = useState<Record<string, unknown> | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const value = (key: string) => values[key] ?? (monitor ? show(get(monitor, key)) : '');
  const change = (key: string, v: string) => setValues((s) => ({ ...s, [key]: v }));
  const fields = fieldsOf(type, kinds.data);
  const kind = kinds.data?.find((k) => k.kind === type);
  // Types Upkeep runs on a schedule have an interval; a heartbeat is pinged instead.
  const scheduled = kind ? Boolean(kind.schema.properties?.interval) : type !== 'heartbeat';

  const body = () => {
    const out: Record<string, unknown> = monitor && monitor.type === type ? fileForm(monitor) : {};
    out.name = value('name').trim();
    out.type = type;
    if (scheduled) {
      out.interval = value('interval').trim() || undefined;
      out.timeout = value('timeout').trim() || undefined;
    }
    for (const f of fields) {
      const raw = value(f.key).trim();
      let v: unknown = raw || undefined;
      if (raw && f.input === 'number') v = numberOr(raw);
      if (raw && f.input === 'checkbox') v = raw === 'true';
      if (raw && f.key === 'expect.status') v = raw.split(',').map((s) => numberOr(s.trim()));
      set(out, f.key, v);
    }
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (monitor?.managedBy === 'config') return setOffer(body());
    const saved = await submit(() =>
      monitor
        ? api<MonitorObject>(`/monitors/${monitor.id}`, { method: 'PUT', body: body() })
        : api<MonitorObject>(`/sites/${siteId}/monitors`, { method: 'POST', body: body() }),
    );
    if (saved) onSaved(saved);
  };
  const shown = ['name', 'type', 'interval', 'timeout', ...fields.map((f) => f.key)];
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="form" aria-label={monitor ? 'Edit monitor' : 'New monitor'}>
      <div className="grid-2">
        <Field label="Name" error={fieldError('name')}>
          {(p) => <input {...p} value={value('name')} onChange={(e) => change('name', e.target.value)} required />}
        </Field>
        <KindField kinds={kinds.data} value={type} onChange={setType} fixed={Boolean(monitor)} error={fieldError('type')} />
        {fields.map((f) => (
          <Field key={`${type}.${f.key}`} label={f.label} error={fieldError(f.key)} hint={f.hint}>
            {(p) => <SchemaInput field={f} props={p} value={value(f.key)} onChange={(v) => change(f.key, v)} />}
          </Field>
        ))}
        {scheduled ? (
          <>
            <Field label="Check every" error={fieldError('interval')} hint="A duration like 30s, 5m or 1h.">
              {(p) => <input {...p} value={value('interval')} onChange={(e) => change('interval', e.target.value)} />}
            </Field>
            <Field label="Time-out" error={fieldError('timeout')}>
              {(p) => <input {...p} value={value('timeout')} onChange={(e) => change('timeout', e.target.value)} />}
            </Field>
          </>
        ) : null}
      </div>
      <p className="hint">
        Every other field of {siteName}’s monitor (headers, assertions, retries, notify…) is kept as it is; see docs/monitoring.md for all of them.
      </p>
      <FormError error={error} shown={shown} />
      <ObjectFormEnd
        what="monitor"
        place={{ section: 'monitors', site: siteName }}
        offer={offer}
        managedBy={monitor?.managedBy}
        busy={busy}
        onCancel={onCancel}
      />
    </form>
  );
}

/** One field's input, by what its schema says it holds. */
function SchemaInput({
  field,
  props,
  value,
  onChange,
}: {
  field: FieldDef;
  props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string };
  value: string;
  onChange: (value: string) => void;
}) {
  if (field.input === 'checkbox') return <input {...props} type="checkbox" checked={value === 'true'} onChange={(e) => onChange(String(e.target.checked))} />;
  if (field.input === 'select')
    return (
      <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">(default)</option>
        {field.options?.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    );
  return (
    <input
      {...props}
      type={field.input === 'password' ? 'password' : 'text'}
      inputMode={field.input === 'number' ? 'numeric' : undefined}
      required={field.required}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
