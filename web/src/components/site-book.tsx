import { api } from '../api';
import { useAction, useLoad } from '../hooks';
import { Link } from '../router';
import { ErrorNote } from './ui';

export interface Contact {
  role: string;
  name: string;
  email?: string;
  phone?: string;
}
export interface Vendor {
  role: string;
  name: string;
  support: { name?: string; email?: string; phone?: string; url?: string };
  contractEnds?: string;
  renewsOn?: string;
  notes?: string;
}
type CheckedDate = { date: string; monitor: string } | null;
/** A site's register as the API answers it: credential locations as "********". */
export interface Register {
  vendors: Vendor[];
  people: Contact[];
  dependsOn: { id: number; name: string }[];
  credentials: { label: string; location: string }[];
  notes: string;
  expiry: { domain: CheckedDate; certificate: CheckedDate };
}
interface Records {
  processors: { name: string; country: string; dpa: string }[];
  thirdParties: { domain: string; entity: string | null; documented: boolean }[];
  cookies: { name: string }[];
  tasks: { id: number; summary: string }[];
  reviewedAt: string | null;
}
export interface Planned {
  id: number;
  title: string;
  kind: string;
  targetDate: string;
  state: string;
  notes: string;
  maintenance: { id: number; name: string } | null;
}

const reach = (c: { email?: string | undefined; phone?: string | undefined; url?: string | undefined }) =>
  [c.phone, c.email, c.url].filter(Boolean).join(' · ');

/** "Who to call": the people and vendors of a site's register (also shown on its incidents). */
export function Contacts({ people, vendors }: { people: Contact[]; vendors: Vendor[] }) {
  if (!people.length && !vendors.length) return <p className="empty">No contacts in the register yet.</p>;
  return (
    <ul className="plain small">
      {people.map((p) => (
        <li key={`p-${p.role}-${p.name}`}>
          <strong>{p.name}</strong> ({p.role}) {reach(p)}
        </li>
      ))}
      {vendors.map((v) => (
        <li key={`v-${v.role}-${v.name}`}>
          <strong>{v.name}</strong> ({v.role}) {reach(v.support)}
          {v.contractEnds ? ` · contract ends ${v.contractEnds}` : ''}
          {v.renewsOn ? ` · renews ${v.renewsOn}` : ''}
        </li>
      ))}
    </ul>
  );
}

/** The site page's summary of its register, GDPR records and planned work; each heading leads to the page where they are edited. */
export function SiteBook({ siteId, editable }: { siteId: number; editable: boolean }) {
  const register = useLoad((signal) => api<Register>(`/sites/${siteId}/register`, { signal }), [siteId]);
  const records = useLoad((signal) => api<Records>(`/sites/${siteId}/privacy-records`, { signal }), [siteId]);
  const planned = useLoad((signal) => api<{ data: Planned[] }>(`/sites/${siteId}/planned-work`, { signal }), [siteId]);
  const action = useAction();
  const r = register.data;
  const g = records.data;
  return (
    <>
      <section aria-label="Register">
        <h2>
          <Link to={`/sites/${siteId}/register`}>Register</Link>
        </h2>
        <ErrorNote error={register.error} />
        {r ? (
          <>
            <Contacts people={r.people} vendors={r.vendors} />
            <p className="small muted">
              Domain expires {r.expiry.domain?.date ?? 'unknown'} · certificate expires {r.expiry.certificate?.date ?? 'unknown'}
              {r.dependsOn.length ? ` · depends on ${r.dependsOn.map((d) => d.name).join(', ')}` : ''}
              {r.credentials.length ? ` · credentials: ${r.credentials.map((c) => c.label).join(', ')} (locations sealed)` : ''}
            </p>
          </>
        ) : null}
      </section>
      <section aria-label="GDPR records">
        <h2>
          <Link to={`/sites/${siteId}/privacy`}>GDPR records</Link>
        </h2>
        <ErrorNote error={records.error ?? action.error} />
        {g ? (
          <>
            <p className="small">
              {g.processors.length} processors · {g.thirdParties.length} third parties ({g.thirdParties.filter((t) => !t.documented).length} not in the records)
              · {g.cookies.length} cookies · {g.reviewedAt ? `reviewed ${g.reviewedAt.slice(0, 10)}` : 'never reviewed'} ·{' '}
              <a href={`/api/v1/sites/${siteId}/privacy-records/export`} target="_blank" rel="noreferrer">
                Records of processing
              </a>
            </p>
            <ul className="plain small">
              {g.tasks.map((t) => (
                <li key={t.id} data-privacy-task={t.id}>
                  {t.summary}
                  {editable ? (
                    <>
                      {' '}
                      <button type="button" onClick={() => action.run(() => api(`/privacy-tasks/${t.id}/done`, { method: 'POST' }), records.reload)}>
                        Done
                      </button>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section aria-label="Planned work">
        <h2>
          <Link to={`/sites/${siteId}/planned-work`}>Planned work</Link>
        </h2>
        <ErrorNote error={planned.error} />
        {planned.data && !planned.data.data.length ? <p className="empty">No upgrades or redesigns planned.</p> : null}
        <ul className="plain small">
          {planned.data?.data.map((p) => (
            <li key={p.id}>
              {p.targetDate} · <strong>{p.title}</strong> ({p.kind}, {p.state}){p.maintenance ? ` · in maintenance window ${p.maintenance.name}` : ''}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** Who to call for an incident: its site register's contacts. */
export function IncidentContacts({ incidentId }: { incidentId: number }) {
  const contacts = useLoad((signal) => api<{ people: Contact[]; vendors: Vendor[] }>(`/incidents/${incidentId}/contacts`, { signal }), [incidentId]);
  if (!contacts.data) return null;
  return (
    <>
      <h2>Who to call</h2>
      <Contacts people={contacts.data.people} vendors={contacts.data.vendors} />
    </>
  );
}
