import { useState } from 'react';
import { api } from '../api';
import { when } from '../format';
import { useAction, useLoad } from '../hooks';
import { Link } from '../router';
import { ErrorNote } from './ui';

interface Pending {
  ecosystem: string;
  name: string;
  version: string;
  to: string;
  kind: string;
  vulnerabilities: number;
  worst: string | null;
  held: string | null;
}
interface Component {
  ecosystem: string;
  name: string;
  version: string | null;
  latest: string | null;
  endOfLife: boolean;
  vulnerabilities: { id: string; severity: string }[];
}
interface Run {
  id: number;
  status: string;
  phase: string;
  reason: string | null;
  createdAt: string;
}
interface RunDetail extends Run {
  files: string[];
  steps: { seq: number; phase: string; title: string; status: string }[];
}
/** How old the knowledge the inventory was matched with is, and the sources whose last refresh failed. */
interface Knowledge {
  builtAt: string;
  ageDays: number;
  sources: { name: string; enabled: boolean; lastAttempt: { ok: boolean; message: string } | null }[];
}
const knowledgeLine = (k: Knowledge) => {
  const failed = k.sources.filter((s) => s.enabled && s.lastAttempt && !s.lastAttempt.ok).map((s) => s.name);
  return `knowledge of ${when(k.builtAt)} (${k.ageDays} days old${failed.length ? `; last refresh failed: ${failed.join(', ')}` : ''})`;
};

export interface Approval {
  id: number;
  siteId: number;
  siteName: string;
  status: string;
  steps: string[];
  requestedBy: string;
  requestedAt: string;
  reason: string | null;
  runId: number | null;
  /** Approved, waiting for the policy's maintenance window (status `waiting`). */
  waitsFor: { window: string; next: string | null } | null;
}

/** "waits for window nightly, next at …": an approved run that starts when its policy's window opens. */
const waitLine = (a: Approval) => (a.waitsFor ? `waits for window ${a.waitsFor.window}, next at ${when(a.waitsFor.next)}` : '');

function RunFiles({ run }: { run: Run }) {
  const detail = useLoad((signal) => api<RunDetail>(`/update-runs/${run.id}`, { signal }), [run.id]);
  if (!detail.data?.files.length) return null;
  return (
    <span className="run-files">
      {detail.data.files.map((f) => (
        <a key={f} href={`/api/v1/update-runs/${run.id}/files/${f}`} target="_blank" rel="noreferrer">
          {f.replace(/\.png$/, '')}
        </a>
      ))}
    </span>
  );
}

/** A site's software: what is outdated, vulnerable or end of life, the updates its policy takes, its runs with their screenshots and differences. */
export function SiteUpdates({ siteId, editable }: { siteId: number; editable: boolean }) {
  const inventory = useLoad(
    (signal) =>
      api<{ data: { source: string; takenAt: string; components: Component[] }[]; knowledge: Knowledge }>(`/sites/${siteId}/updates/inventory`, { signal }),
    [siteId],
  );
  const pending = useLoad(
    (signal) => api<{ setUp: boolean; policy: { name: string }; updates: Pending[] }>(`/sites/${siteId}/updates/pending`, { signal }),
    [siteId],
  );
  const runs = useLoad((signal) => api<{ data: Run[] }>(`/sites/${siteId}/updates/runs`, { signal }), [siteId]);
  const waiting = useLoad((signal) => api<{ data: Approval[] }>(`/update-approvals?status=waiting&siteId=${siteId}`, { signal }), [siteId]);
  const action = useAction();
  const components = inventory.data?.data.flatMap((i) => i.components) ?? [];
  const notable = components.filter((c) => c.endOfLife || c.vulnerabilities.length > 0 || (c.latest && c.version && c.latest !== c.version));
  if (!inventory.data?.data.length && !runs.data?.data.length) return null;
  const ask = () => action.run(() => api(`/sites/${siteId}/updates/runs`, { method: 'POST', body: {} }), runs.reload);
  return (
    <section aria-label="Updates" id="updates">
      <h2>Updates</h2>
      <ErrorNote error={inventory.error ?? pending.error ?? runs.error ?? action.error} />
      <p>
        {components.length} components · inventory of {when(inventory.data?.data[0]?.takenAt ?? null)}
        {inventory.data ? ` · ${knowledgeLine(inventory.data.knowledge)}` : ''} · policy {pending.data?.policy.name}
      </p>
      {notable.length ? (
        <table>
          <thead>
            <tr>
              <th>Component</th>
              <th>Installed</th>
              <th>Latest</th>
              <th>Known issues</th>
            </tr>
          </thead>
          <tbody>
            {notable.map((c) => (
              <tr key={`${c.ecosystem}/${c.name}/${c.version}`}>
                <td>
                  {c.name} <small>{c.ecosystem}</small>
                </td>
                <td>{c.version ?? '?'}</td>
                <td>{c.latest ?? '—'}</td>
                <td>
                  {[
                    c.vulnerabilities.length ? `${c.vulnerabilities.length} vulnerabilities (${c.vulnerabilities.map((v) => v.severity).join(', ')})` : '',
                    c.endOfLife ? 'end of life' : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {pending.data?.updates.length ? (
        <>
          <h3>Pending</h3>
          <ul className="plain">
            {pending.data.updates.map((u) => (
              <li key={`${u.ecosystem}/${u.name}`}>
                {u.name} {u.version} → {u.to} ({u.kind}){u.held ? ` · held: ${u.held}` : ''}
              </li>
            ))}
          </ul>
          {editable && pending.data.setUp ? (
            <button type="button" onClick={ask}>
              Ask for an update run
            </button>
          ) : null}
        </>
      ) : null}
      {waiting.data?.data.length ? (
        <ul className="plain" aria-label="Waiting runs">
          {waiting.data.data.map((a) => (
            <li key={a.id} data-waiting={a.id}>
              Approved run ({a.steps.join(', ')}) {waitLine(a)}
            </li>
          ))}
        </ul>
      ) : null}
      {runs.data?.data.length ? (
        <>
          <h3>Runs</h3>
          <ul className="plain">
            {runs.data.data.map((r) => (
              <li key={r.id} data-run={r.id}>
                Run {r.id} · {r.status} · {when(r.createdAt)}
                {r.reason ? ` · ${r.reason}` : ''} <RunFiles run={r} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** The approvals queue: planned update runs waiting for a decision, of the sites in reach. */
export function ApprovalsPage() {
  const list = useLoad((signal) => api<{ data: Approval[] }>('/update-approvals', { signal }), []);
  const waiting = useLoad((signal) => api<{ data: Approval[] }>('/update-approvals?status=waiting', { signal }), []);
  const [reasons, setReasons] = useState<Record<number, string>>({});
  const action = useAction();
  // An approved run may wait for its window: both lists change.
  const reload = () => {
    list.reload();
    waiting.reload();
  };
  const decide = (a: Approval, verb: 'approve' | 'reject') => {
    const reason = reasons[a.id]?.trim();
    const body = verb === 'reject' && reason ? { reason } : undefined;
    action.run(() => api(`/update-approvals/${a.id}/${verb}`, { method: 'POST', ...(body ? { body } : {}) }), reload);
  };
  return (
    <main id="main" className="content">
      <h1>Update approvals</h1>
      <ErrorNote error={list.error ?? action.error} />
      {list.data && !list.data.data.length ? <p>Nothing waits for approval.</p> : null}
      <ul className="plain">
        {list.data?.data.map((a) => (
          <li key={a.id} data-approval={a.id}>
            <h2>
              <Link to={`/sites/${a.siteId}`}>{a.siteName}</Link>
            </h2>
            <p>
              Asked by {a.requestedBy} · {when(a.requestedAt)}
            </p>
            <ol>
              {a.steps.map((s) => (
                <li key={s}>
                  <code>{s}</code>
                </li>
              ))}
            </ol>
            <button type="button" onClick={() => decide(a, 'approve')}>
              Approve
            </button>{' '}
            <label>
              Reason to reject (optional){' '}
              <input value={reasons[a.id] ?? ''} maxLength={500} onChange={(e) => setReasons({ ...reasons, [a.id]: e.target.value })} />
            </label>{' '}
            <button type="button" onClick={() => decide(a, 'reject')}>
              Reject
            </button>
          </li>
        ))}
      </ul>
      {waiting.data?.data.length ? (
        <>
          <h2>Approved, waiting for a maintenance window</h2>
          <ul className="plain">
            {waiting.data.data.map((a) => (
              <li key={a.id} data-waiting={a.id}>
                <Link to={`/sites/${a.siteId}`}>{a.siteName}</Link> · {a.steps.join(', ')} · {waitLine(a)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </main>
  );
}
