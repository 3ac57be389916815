import { useEffect, useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { ErrorNote, FromFile, Loading, PageTitle } from '../components/ui';
import { fileForm, ObjectFormEnd } from '../components/yaml-offer';
import { when } from '../format';
import { useAction, useLoad } from '../hooks';
import { canEdit, useSession } from '../session';
import { useEditor } from '../components/editor';
import { useYamlFields } from '../components/yaml-fields';

interface Component {
  name: string;
  description?: string;
  site?: string;
  monitors?: string[];
}
interface StatusPageObject {
  id: number;
  slug: string;
  title: string;
  description?: string;
  components: Component[];
  domains?: string[];
  language: string;
  timezone: string;
  automaticIncidents: boolean;
  access?: { password?: string; allowIps?: string[] };
  managedBy: string;
  [field: string]: unknown;
}
interface Subscriber {
  id: number;
  type: string;
  address: string;
  components: string[] | null;
  confirmed: boolean;
  createdAt: string;
}

/** What the form has inputs for; the rest of a page (logo, colours, CSS, maintenance notice) is edited as YAML. */
const formFields = ['slug', 'title', 'description', 'components', 'domains', 'language', 'timezone', 'automaticIncidents', 'access'];
const list = (text: string, by = /[,\n]/) =>
  text
    .split(by)
    .map((t) => t.trim())
    .filter(Boolean);

/** Public status pages: made and edited here (or in upkeep.yaml, whose pages offer their YAML), each with its public address and subscribers. */
export function StatusPagesPage() {
  const { user } = useSession();
  const pages = useLoad((signal) => api<{ data: StatusPageObject[] }>('/status-pages', { signal }), []);
  const action = useAction();
  const editor = useEditor<StatusPageObject>(() => pages.reload());
  const [showing, setShowing] = useState<number | null>(null);
  const editable = canEdit(user);
  return (
    <main id="main" className="content">
      <PageTitle actions={editable ? editor.addButton('Add a status page') : null}>Status pages</PageTitle>
      <ErrorNote error={pages.error ?? action.error} />
      {editor.form((page, done) => (
        <StatusPageForm page={page} onDone={done} />
      ))}
      {!pages.data && !pages.error ? <Loading what="status pages" /> : null}
      {pages.data && !pages.data.data.length ? (
        <p className="empty">No status pages yet: one tells your users what is up, what is not, and what maintenance is coming.</p>
      ) : null}
      <ul className="plain rows">
        {pages.data?.data.map((p) => (
          <li key={p.id} data-status-page={p.slug}>
            <strong>{p.title}</strong> <a href={`/status/${p.slug}`} target="_blank" rel="noreferrer">{`/status/${p.slug}`}</a>
            {p.domains?.map((d) => (
              <span key={d} className="badge">
                {d}
              </span>
            ))}{' '}
            {p.access ? <span className="badge">private</span> : null} <FromFile managedBy={p.managedBy} />{' '}
            <span className="muted small">
              {p.components.length} component{p.components.length === 1 ? '' : 's'}
            </span>{' '}
            <button type="button" onClick={() => setShowing(showing === p.id ? null : p.id)} aria-expanded={showing === p.id}>
              Subscribers
            </button>
            {editable
              ? editor.buttons(p, { question: `Delete the status page ${p.title} and its subscribers?`, path: `/status-pages/${p.id}` }, action.run)
              : null}
            {showing === p.id ? <Subscribers pageId={p.id} editable={editable} /> : null}
          </li>
        ))}
      </ul>
    </main>
  );
}

function Subscribers({ pageId, editable }: { pageId: number; editable: boolean }) {
  const subscribers = useLoad((signal) => api<{ data: Subscriber[] }>(`/status-pages/${pageId}/subscribers`, { signal }), [pageId]);
  const action = useAction();
  if (subscribers.error ?? action.error) return <ErrorNote error={subscribers.error ?? action.error} />;
  if (!subscribers.data) return <Loading what="subscribers" />;
  if (!subscribers.data.data.length) return <p className="empty small">Nobody subscribes yet: the page offers email, RSS, Atom and a calendar.</p>;
  return (
    <ul className="plain small" aria-label="Subscribers">
      {subscribers.data.data.map((s) => (
        <li key={s.id}>
          <span className="badge">{s.type}</span> {s.address} {s.confirmed ? '' : <span className="muted">(not confirmed yet)</span>}{' '}
          {s.components ? <span className="muted">only {s.components.join(', ')}</span> : null} <span className="muted">since {when(s.createdAt)}</span>{' '}
          {editable ? (
            <button
              type="button"
              className="danger"
              onClick={() =>
                confirm(`Remove ${s.address}?`) &&
                action.run(() => api(`/status-pages/${pageId}/subscribers/${s.id}`, { method: 'DELETE' }), subscribers.reload)
              }
            >
              Remove
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A component in the form: a whole site, or some monitors written "Site name/Monitor name". */
interface ComponentRow {
  name: string;
  shows: 'site' | 'monitors';
  site: string;
  monitors: string;
}
const toRow = (c: Component): ComponentRow => ({
  name: c.name,
  shows: c.monitors ? 'monitors' : 'site',
  site: c.site ?? '',
  monitors: (c.monitors ?? []).join(', '),
});

function StatusPageForm({ page, onDone }: { page: StatusPageObject | undefined; onDone: () => void }) {
  const [slug, setSlug] = useState(page?.slug ?? '');
  const [title, setTitle] = useState(page?.title ?? '');
  const [description, setDescription] = useState(page?.description ?? '');
  const [rows, setRows] = useState<ComponentRow[]>(page ? page.components.map(toRow) : [{ name: '', shows: 'site', site: '', monitors: '' }]);
  const [domains, setDomains] = useState((page?.domains ?? []).join(', '));
  const [language, setLanguage] = useState(page?.language ?? 'en');
  const [timezone, setTimezone] = useState(page?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [automatic, setAutomatic] = useState(page?.automaticIncidents ?? true);
  const [password, setPassword] = useState(page?.access?.password ?? '');
  const [allowIps, setAllowIps] = useState((page?.access?.allowIps ?? []).join(', '));
  const [more, setMore] = useState('');
  const [offer, setOffer] = useState<Record<string, unknown> | null>(null);
  const sites = useLoad((signal) => api<Page<{ name: string }>>('/sites?limit=500', { signal }), []);
  const { busy, error, setError, submit, fieldError } = useSubmit();
  const { parseError, parseFields } = useYamlFields(() => setError(null));
  useEffect(() => {
    const rest = page ? fileForm(page) : {};
    for (const f of formFields) delete rest[f];
    void import('yaml').then(({ stringify }) => setMore(Object.keys(rest).length ? stringify(rest) : ''));
  }, [page]);
  const setRow = (i: number, change: Partial<ComponentRow>) => setRows((r) => r.map((row, k) => (k === i ? { ...row, ...change } : row)));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const extra = await parseFields(more, 'logo: https://…');
    if (!extra) return;
    const access = password || allowIps.trim() ? { ...(password ? { password } : {}), ...(allowIps.trim() ? { allowIps: list(allowIps) } : {}) } : undefined;
    const body = {
      slug: slug.trim(),
      title: title.trim(),
      ...(description.trim() ? { description } : {}),
      components: rows.map((r) => (r.shows === 'site' ? { name: r.name.trim(), site: r.site.trim() } : { name: r.name.trim(), monitors: list(r.monitors) })),
      ...(domains.trim() ? { domains: list(domains) } : {}),
      language,
      timezone: timezone.trim(),
      automaticIncidents: automatic,
      ...(access ? { access } : {}),
      ...extra,
    };
    if (page?.managedBy === 'config') return setOffer(body);
    const ok = await submit(() => (page ? api(`/status-pages/${page.id}`, { method: 'PUT', body }) : api('/status-pages', { method: 'POST', body })));
    if (ok !== undefined) onDone();
  };
  const rowError = (i: number) => fieldError(`components[${i}]`);
  const moreErrors =
    error?.details.filter((d) => d.path && !formFields.some((f) => d.path === f || d.path!.startsWith(`${f}.`) || d.path!.startsWith(`${f}[`))) ?? [];
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Status page">
      <div className="grid-2">
        <Field label="Title" error={fieldError('title')}>
          {(p) => <input {...p} value={title} onChange={(e) => setTitle(e.target.value)} required autoFocus />}
        </Field>
        <Field label="Slug" error={fieldError('slug')} hint={`The page's address: /status/${slug || 'slug'}`}>
          {(p) => <input {...p} value={slug} onChange={(e) => setSlug(e.target.value)} required />}
        </Field>
      </div>
      <Field label="Description" error={fieldError('description')} hint="Markdown, shown under the title.">
        {(p) => <textarea {...p} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <fieldset>
        <legend>Components</legend>
        <p className="hint">What visitors see a line for: a whole site, or some of its monitors.</p>
        <datalist id="status-page-sites">
          {sites.data?.data.map((s) => (
            <option key={s.name} value={s.name} />
          ))}
        </datalist>
        {rows.map((r, i) => (
          <div className="grid-2 component-row" key={i} role="group" aria-label={`Component ${i + 1}`}>
            <Field label="Component name" error={fieldError(`components[${i}].name`)}>
              {(p) => <input {...p} value={r.name} onChange={(e) => setRow(i, { name: e.target.value })} required />}
            </Field>
            <Field label="Shows" error={rowError(i) && !fieldError(`components[${i}].name`) ? rowError(i) : undefined}>
              {(p) => (
                <div className="inline">
                  <select aria-label="Shows a site or monitors" value={r.shows} onChange={(e) => setRow(i, { shows: e.target.value as ComponentRow['shows'] })}>
                    <option value="site">a whole site</option>
                    <option value="monitors">some monitors</option>
                  </select>
                  {r.shows === 'site' ? (
                    <input {...p} list="status-page-sites" placeholder="Site name" value={r.site} onChange={(e) => setRow(i, { site: e.target.value })} />
                  ) : (
                    <input {...p} placeholder="Site name/Monitor name, …" value={r.monitors} onChange={(e) => setRow(i, { monitors: e.target.value })} />
                  )}
                  {rows.length > 1 ? (
                    <button type="button" aria-label={`Remove component ${i + 1}`} onClick={() => setRows((all) => all.filter((_, k) => k !== i))}>
                      Remove
                    </button>
                  ) : null}
                </div>
              )}
            </Field>
          </div>
        ))}
        <button type="button" onClick={() => setRows((r) => [...r, { name: '', shows: 'site', site: '', monitors: '' }])}>
          Add a component
        </button>
      </fieldset>
      <div className="grid-2">
        <Field label="Language" error={fieldError('language')}>
          {(p) => (
            <select {...p} value={language} onChange={(e) => setLanguage(e.target.value)}>
              <option value="en">English</option>
              <option value="sv">Svenska</option>
              <option value="de">Deutsch</option>
            </select>
          )}
        </Field>
        <Field label="Time zone" error={fieldError('timezone')} hint="Times on the page and in its calendar, e.g. Europe/Stockholm.">
          {(p) => <input {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)} required />}
        </Field>
        <Field label="Custom domains" error={fieldError('domains')} hint="Comma-separated host names that serve this page at / (point their DNS here).">
          {(p) => <input {...p} placeholder="status.example.com" value={domains} onChange={(e) => setDomains(e.target.value)} />}
        </Field>
        <Field label="Incidents" error={fieldError('automaticIncidents')}>
          {(p) => (
            <label className="inline">
              <input {...p} type="checkbox" checked={automatic} onChange={(e) => setAutomatic(e.target.checked)} /> Show incidents opened by monitors at once
              (otherwise only those with a written update)
            </label>
          )}
        </Field>
        <Field
          label="Password"
          error={fieldError('access.password')}
          hint="Makes the page private: visitors type it once. Empty: public. ******** keeps the stored one."
        >
          {(p) => <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <Field
          label="Only these addresses"
          error={fieldError('access.allowIps')}
          hint="Comma-separated IPs or ranges (203.0.113.0/24); everyone else gets 404."
        >
          {(p) => <input {...p} value={allowIps} onChange={(e) => setAllowIps(e.target.value)} />}
        </Field>
      </div>
      <Field
        label="More (YAML)"
        error={parseError ?? (moreErrors.length ? moreErrors.map((d) => `${d.path}: ${d.message}`).join('; ') : undefined)}
        hint="logo, colors (brand, background, text), customCss, maintenanceNotice (announce, remind): as in upkeep.yaml."
      >
        {(p) => <textarea {...p} rows={4} className="mono" value={more} onChange={(e) => setMore(e.target.value)} />}
      </Field>
      <FormError error={error} shown={[...formFields, ...moreErrors.map((d) => d.path!)]} />
      <ObjectFormEnd what="status page" place={{ section: 'statusPages' }} offer={offer} managedBy={page?.managedBy} busy={busy} onCancel={onDone} />
    </form>
  );
}
