import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { boundFields, Field, FormEnd, useSubmit } from '../components/form';
import { compact, Rows } from '../components/rows';
import { Contacts, type Register, type Vendor } from '../components/site-book';
import { SiteHead, useSite } from '../components/site-nav';
import { ErrorNote, Loading } from '../components/ui';
import { useLoad } from '../hooks';
import { canEdit, useSession } from '../session';

const vendorRoles = ['hosting', 'registrar', 'dns', 'cdn', 'cms', 'email', 'payment', 'other'] as const;
const personRoles = ['owner', 'client', 'developer', 'other'] as const;
/** What the API answers in place of a sealed credential location; written back, it keeps the stored one. */
const SEALED = '********';

type VendorRow = {
  role: string;
  name: string;
  contact: string;
  email: string;
  phone: string;
  url: string;
  contractEnds: string;
  renewsOn: string;
  notes: string;
};
const vendorRow = (v?: Vendor): VendorRow => ({
  role: v?.role ?? 'hosting',
  name: v?.name ?? '',
  contact: v?.support.name ?? '',
  email: v?.support.email ?? '',
  phone: v?.support.phone ?? '',
  url: v?.support.url ?? '',
  contractEnds: v?.contractEnds ?? '',
  renewsOn: v?.renewsOn ?? '',
  notes: v?.notes ?? '',
});
const vendorOf = ({ contact, email, phone, url, ...v }: VendorRow) => ({
  ...compact(v),
  role: v.role,
  name: v.name,
  support: compact({ name: contact, email, phone, url }),
});

/** The register's form: vendors, people, the sites it depends on, where credentials live (sealed), notes. */
function RegisterForm({ siteId, register, onSaved }: { siteId: number; register: Register; onSaved: (stored: Register) => void }) {
  const sites = useLoad((signal) => api<Page<{ id: number; name: string }>>('/sites?limit=200', { signal }), []);
  const [vendors, setVendors] = useState(() => register.vendors.map(vendorRow));
  const [people, setPeople] = useState(() => register.people.map((p) => ({ role: p.role, name: p.name, email: p.email ?? '', phone: p.phone ?? '' })));
  const [dependsOn, setDependsOn] = useState(() => register.dependsOn.map((d) => d.id));
  const [credentials, setCredentials] = useState(register.credentials);
  const [notes, setNotes] = useState(register.notes);
  const { busy, error, submit, fieldError } = useSubmit();
  const { text, choice } = boundFields(fieldError);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { vendors: vendors.map(vendorOf), people: people.map((p) => ({ ...compact(p), role: p.role, name: p.name })), dependsOn, credentials, notes };
    const stored = await submit(() => api<Register>(`/sites/${siteId}/register`, { method: 'PUT', body }));
    if (stored !== undefined) onSaved(stored);
  };
  const others = sites.data?.data.filter((s) => s.id !== siteId) ?? [];
  return (
    <form className="form" onSubmit={(e) => void onSubmit(e)} aria-label="Site register">
      <h2>Vendors</h2>
      <Rows noun="Vendor" items={vendors} onChange={setVendors} blank={vendorRow} max={50}>
        {(v, set, i) => (
          <>
            {choice(`vendors[${i}].role`, `Vendor ${i + 1} role`, vendorRoles, v.role, (role) => set({ role }))}
            {text(`vendors[${i}].name`, `Vendor ${i + 1} name`, v.name, (name) => set({ name }))}
            {text(`vendors[${i}].support.name`, `Vendor ${i + 1} support contact`, v.contact, (contact) => set({ contact }))}
            {text(`vendors[${i}].support.email`, `Vendor ${i + 1} support email`, v.email, (email) => set({ email }), { type: 'email' })}
            {text(`vendors[${i}].support.phone`, `Vendor ${i + 1} support phone`, v.phone, (phone) => set({ phone }), { type: 'tel' })}
            {text(`vendors[${i}].support.url`, `Vendor ${i + 1} support URL`, v.url, (url) => set({ url }), { type: 'url' })}
            {text(`vendors[${i}].contractEnds`, `Vendor ${i + 1} contract ends`, v.contractEnds, (contractEnds) => set({ contractEnds }), { type: 'date' })}
            {text(`vendors[${i}].renewsOn`, `Vendor ${i + 1} renews on`, v.renewsOn, (renewsOn) => set({ renewsOn }), { type: 'date' })}
            {text(`vendors[${i}].notes`, `Vendor ${i + 1} notes`, v.notes, (notes) => set({ notes }))}
          </>
        )}
      </Rows>
      <h2>People</h2>
      <Rows noun="Person" items={people} onChange={setPeople} blank={() => ({ role: 'client', name: '', email: '', phone: '' })} max={50}>
        {(p, set, i) => (
          <>
            {choice(`people[${i}].role`, `Person ${i + 1} role`, personRoles, p.role, (role) => set({ role }))}
            {text(`people[${i}].name`, `Person ${i + 1} name`, p.name, (name) => set({ name }))}
            {text(`people[${i}].email`, `Person ${i + 1} email`, p.email, (email) => set({ email }), { type: 'email' })}
            {text(`people[${i}].phone`, `Person ${i + 1} phone`, p.phone, (phone) => set({ phone }), { type: 'tel' })}
          </>
        )}
      </Rows>
      <h2>Depends on</h2>
      <fieldset>
        <legend>Sites this one needs to work</legend>
        {others.length ? null : <p className="empty">No other sites.</p>}
        {others.map((s) => (
          <label key={s.id} className="inline">
            <input
              type="checkbox"
              checked={dependsOn.includes(s.id)}
              onChange={(e) => setDependsOn((d) => (e.target.checked ? [...d, s.id] : d.filter((x) => x !== s.id)))}
            />
            {s.name}
          </label>
        ))}
      </fieldset>
      <h2>Credentials</h2>
      <p className="hint">
        Where each credential lives (a vault path, a password-manager entry), never the credential itself. Locations are sealed: they show as {SEALED}; leave{' '}
        {SEALED} to keep the stored one, or type a new location to replace it.
      </p>
      <Rows noun="Credential" items={credentials} onChange={setCredentials} blank={() => ({ label: '', location: '' })} max={50}>
        {(c, set, i) => (
          <>
            {text(`credentials[${i}].label`, `Credential ${i + 1} label`, c.label, (label) => set({ label }))}
            {text(`credentials[${i}].location`, `Credential ${i + 1} location`, c.location, (location) => set({ location }), {
              hint: c.location === SEALED ? 'sealed; kept as it is' : undefined,
            })}
          </>
        )}
      </Rows>
      <Field label="Notes" error={fieldError('notes')}>
        {(p) => <textarea {...p} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <FormEnd error={error} shown={['vendors', 'people', 'credentials', 'notes']} busy={busy} submit="Save register" />
    </form>
  );
}

/** A site's register ("who to call"): editors change it here; everyone sees the contacts and the dates the checks found. */
export function RegisterPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const site = useSite(siteId);
  const register = useLoad((signal) => api<Register>(`/sites/${siteId}/register`, { signal }), [siteId]);
  const [saved, setSaved] = useState(false);
  const r = register.data;
  return (
    <main id="main" className="content">
      <SiteHead siteId={siteId} name={site.data?.name} title="Register" />
      {saved ? <p role="status">Saved.</p> : null}
      <ErrorNote error={register.error} />
      {!r ? <Loading what="the register" /> : null}
      {r ? (
        <>
          <p className="muted">
            Domain expires {r.expiry.domain ? `${r.expiry.domain.date} (from ${r.expiry.domain.monitor})` : 'unknown'} · certificate expires{' '}
            {r.expiry.certificate ? `${r.expiry.certificate.date} (from ${r.expiry.certificate.monitor})` : 'unknown'}
          </p>
          {canEdit(user) ? (
            <RegisterForm
              // A fresh form for each answer of the server (after a save: the save's own answer, what it stored with
              // locations sealed again; no second round trip during which typing would be lost).
              key={JSON.stringify(r)}
              siteId={siteId}
              register={r}
              onSaved={(stored) => {
                setSaved(true);
                register.show(stored);
              }}
            />
          ) : (
            <>
              <Contacts people={r.people} vendors={r.vendors} />
              <p className="small">
                {r.dependsOn.length ? `Depends on ${r.dependsOn.map((d) => d.name).join(', ')}. ` : ''}
                {r.credentials.length ? `Credentials: ${r.credentials.map((c) => c.label).join(', ')} (locations sealed).` : ''}
              </p>
              {r.notes ? <p className="small">{r.notes}</p> : null}
            </>
          )}
        </>
      ) : null}
    </main>
  );
}
