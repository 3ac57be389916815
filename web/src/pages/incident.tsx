import { useState, type FormEvent } from 'react';
import { api, qs, type Page } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import type { MonitorRow } from '../components/monitor-table';
import type { SiteObject } from '../components/site-form';
import { ErrorNote, NotLoaded, PageTitle, Status } from '../components/ui';
import { span, when } from '../format';
import { useAction, useLoad } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import { canEdit, useSession } from '../session';
import type { Incident } from './incidents';
import { IncidentRunbooks } from '../components/runbooks';
import { IncidentContacts } from '../components/site-book';

interface Detail extends Incident {
  monitors: { monitorId: number; status: string; message: string; since: string }[];
  timeline: { at: string; kind: string; message: string; author: string | null }[];
}
interface Notification {
  id: number;
  channel: string;
  event: string;
  status: string;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

export function IncidentPage({ id }: { id: number }) {
  const { user } = useSession();
  const incident = useLoad((signal) => api<Detail>(`/incidents/${id}`, { signal }), [id]);
  const notifications = useLoad((signal) => api<{ data: Notification[] }>(`/incidents/${id}/notifications`, { signal }), [id]);
  // The incident names its site and monitors by id: their names come from the site's monitor list.
  const siteId = incident.data?.siteId;
  const names = useLoad(
    (signal) =>
      siteId === undefined
        ? Promise.resolve(null)
        : Promise.all([
            api<SiteObject>(`/sites/${siteId}`, { signal }),
            api<Page<MonitorRow>>(`/portfolio/monitors${qs({ siteId, limit: 1000 })}`, { signal }),
          ]).then(([site, monitors]) => ({ site: site.name, monitors: new Map(monitors.data.map((m) => [m.id, m.name])) })),
    [siteId],
  );
  const action = useAction();
  useLive((e) => {
    if (e.type === 'incident' && (e.data.incidentId === id || e.data.siteId === incident.data?.siteId)) {
      incident.reload();
      notifications.reload();
    }
  });
  if (incident.error || !incident.data) return <NotLoaded error={incident.error} what="incident" />;
  const i = incident.data;
  const editable = canEdit(user);
  const act = (path: string) => action.run(() => api(`/incidents/${id}${path}`, { method: 'POST' }), incident.reload);
  return (
    <main id="main" className="content">
      <p className="crumbs">
        <Link to="/incidents">Incidents</Link> / <Link to={`/sites/${i.siteId}`}>{names.data?.site ?? 'site'}</Link> /
      </p>
      <PageTitle
        actions={
          editable && i.status !== 'resolved' ? (
            <>
              {i.status === 'open' ? (
                <button type="button" className="primary" onClick={() => act('/acknowledge')}>
                  Acknowledge
                </button>
              ) : null}
              <button type="button" onClick={() => act('/resolve')}>
                Resolve
              </button>
            </>
          ) : null
        }
      >
        {i.title}
      </PageTitle>
      <p className="status-line" aria-live="polite" data-testid="incident-status">
        <Status value={i.status} /> <span className={`severity severity-${i.severity}`}>{i.severity}</span> · opened {when(i.openedAt)}
        {i.acknowledgedAt ? ` · acknowledged by ${i.acknowledgedBy ?? 'someone'} after ${span(i.durations.toAcknowledge)}` : ''}
        {i.resolvedAt ? ` · resolved after ${span(i.durations.toResolve)}` : ''}
        {i.resolvesAt && !i.resolvedAt ? ` · resolves by itself at ${when(i.resolvesAt)} if all stays up` : ''}
        {i.escalation ? ` · escalation ${i.escalation.policy}, step ${i.escalation.step}` : ''}
      </p>
      <ErrorNote error={action.error} />
      {i.summary ? <p>{i.summary}</p> : null}
      <div className="grid-2">
        <section>
          <h2>Timeline</h2>
          <ol className="timeline">
            {i.timeline.map((t, n) => (
              <li key={n}>
                <span className="muted small">{when(t.at)}</span> <span className="badge">{t.kind}</span> {t.message}
                {t.author ? <span className="muted small"> — {t.author}</span> : null}
              </li>
            ))}
          </ol>
        </section>
        <section>
          <h2>Monitors</h2>
          <ul className="plain">
            {i.monitors.map((m) => (
              <li key={m.monitorId}>
                <Status value={m.status} /> <Link to={`/monitors/${m.monitorId}`}>{names.data?.monitors.get(m.monitorId) ?? `monitor ${m.monitorId}`}</Link>{' '}
                {m.message} <span className="muted small">since {when(m.since)}</span>
              </li>
            ))}
          </ul>
          <IncidentRunbooks incidentId={id} />
          <IncidentContacts incidentId={id} />
          <h2>Notifications</h2>
          {notifications.data && !notifications.data.data.length ? <p className="empty">No messages were sent.</p> : null}
          <ul className="plain small">
            {notifications.data?.data.map((n) => (
              <li key={n.id}>
                {when(n.createdAt)} · {n.channel} · {n.event} ·{' '}
                <Status value={n.status === 'delivered' ? 'up' : n.status === 'failed' ? 'down' : 'pending'}>{n.status}</Status>
                {n.lastError ? ` · ${n.lastError}` : ''}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <PublicUpdates incidentId={id} editable={editable && i.status !== 'resolved'} onPosted={incident.reload} />
      {editable ? <Handling incident={i} onChanged={incident.reload} /> : null}
    </main>
  );
}

interface PublicUpdate {
  id: number;
  status: string;
  body: string;
  author: string | null;
  pages: string[] | null;
  at: string;
}
interface MessageTemplate {
  id: number;
  name: string;
  status?: string;
  body: string;
}
const updateStatuses = ['investigating', 'identified', 'monitoring', 'resolved'];

/** What the status pages say about the incident, and a form to write the next update (a template fills it in; subscribers are told). */
function PublicUpdates({ incidentId, editable, onPosted }: { incidentId: number; editable: boolean; onPosted: () => void }) {
  const updates = useLoad((signal) => api<{ data: PublicUpdate[] }>(`/incidents/${incidentId}/updates`, { signal }), [incidentId]);
  const templates = useLoad(
    (signal) => (editable ? api<{ data: MessageTemplate[] }>('/message-templates', { signal }).catch(() => ({ data: [] })) : Promise.resolve({ data: [] })),
    [editable],
  );
  const [status, setStatus] = useState('investigating');
  const [body, setBody] = useState('');
  const [notify, setNotify] = useState(true);
  const posting = useSubmit();
  const applyTemplate = (name: string) => {
    const t = templates.data?.data.find((x) => x.name === name);
    if (!t) return;
    setBody(t.body);
    if (t.status) setStatus(t.status);
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void posting
      .submit(() => api(`/incidents/${incidentId}/updates`, { method: 'POST', body: { status, body, notify } }).then(() => true))
      .then((ok) => {
        if (!ok) return;
        setBody('');
        updates.reload();
        onPosted();
      });
  };
  return (
    <section className="card" aria-label="Public updates">
      <h2>On the status pages</h2>
      <ErrorNote error={updates.error} />
      {updates.data && !updates.data.data.length ? <p className="empty">No public update yet.</p> : null}
      <ol className="timeline">
        {updates.data?.data.map((u) => (
          <li key={u.id}>
            <span className="muted small">{when(u.at)}</span> <Status value={u.status === 'resolved' ? 'resolved' : 'open'}>{u.status}</Status> {u.body}
            {u.author ? <span className="muted small"> — {u.author}</span> : null}
            {u.pages ? <span className="muted small"> (on {u.pages.join(', ')})</span> : null}
          </li>
        ))}
      </ol>
      {editable ? (
        <form className="form" aria-label="Post a public update" onSubmit={onSubmit}>
          <div className="grid-2">
            <Field label="Update status" error={posting.fieldError('status')}>
              {(p) => (
                <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
                  {updateStatuses.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              )}
            </Field>
            {templates.data?.data.length ? (
              <Field label="From a template">
                {(p) => (
                  <select {...p} value="" onChange={(e) => applyTemplate(e.target.value)}>
                    <option value="">choose…</option>
                    {templates.data!.data.map((t) => (
                      <option key={t.id}>{t.name}</option>
                    ))}
                  </select>
                )}
              </Field>
            ) : null}
          </div>
          <Field
            label="Message"
            error={posting.fieldError('body')}
            hint="Markdown; what visitors and subscribers read. The status resolved also resolves the incident."
          >
            {(p) => <textarea {...p} rows={3} value={body} onChange={(e) => setBody(e.target.value)} required />}
          </Field>
          <label className="inline">
            <input type="checkbox" checked={notify} onChange={(e) => setNotify(e.target.checked)} /> Tell the subscribers
          </label>
          <FormError error={posting.error} shown={['status', 'body']} />
          <button type="submit" disabled={posting.busy}>
            Post update
          </button>
        </form>
      ) : null}
    </section>
  );
}

/** Assign, set the severity, add a note, write the postmortem. */
function Handling({ incident, onChanged }: { incident: Detail; onChanged: () => void }) {
  const [owner, setOwner] = useState(incident.owner ?? '');
  const [note, setNote] = useState('');
  const [impact, setImpact] = useState(incident.postmortem?.impact ?? '');
  const [rootCause, setRootCause] = useState(incident.postmortem?.rootCause ?? '');
  const [followUps, setFollowUps] = useState((incident.postmortem?.followUps ?? []).join('\n'));
  const assign = useSubmit();
  const noting = useSubmit();
  const writing = useSubmit();
  const patch = (body: unknown) => api(`/incidents/${incident.id}`, { method: 'PATCH', body });
  const done = (ok: unknown) => ok !== undefined && onChanged();
  return (
    <div className="grid-2">
      <form
        className="form card"
        aria-label="Assign"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void assign.submit(() => patch({ owner: owner.trim() || null }).then(() => true)).then(done);
        }}
      >
        <Field label="Owner" error={assign.fieldError('owner')} hint="Who handles it: a name or an email.">
          {(p) => <input {...p} value={owner} onChange={(e) => setOwner(e.target.value)} />}
        </Field>
        <Field label="Severity" error={assign.fieldError('severity')}>
          {(p) => (
            <select
              {...p}
              value={incident.severity}
              onChange={(e) => void assign.submit(() => patch({ severity: e.target.value }).then(() => true)).then(done)}
            >
              <option value="critical">critical</option>
              <option value="major">major</option>
              <option value="minor">minor</option>
            </select>
          )}
        </Field>
        <FormError error={assign.error} shown={['owner', 'severity']} />
        <button type="submit">Assign</button>
      </form>
      <form
        className="form card"
        aria-label="Add a note"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void noting
            .submit(() => api(`/incidents/${incident.id}/notes`, { method: 'POST', body: { message: note } }).then(() => true))
            .then((ok) => {
              if (ok) setNote('');
              done(ok);
            });
        }}
      >
        <Field label="Note" error={noting.fieldError('message')}>
          {(p) => <textarea {...p} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <FormError error={noting.error} shown={['message']} />
        <button type="submit">Add note</button>
      </form>
      <form
        className="form card wide"
        aria-label="Postmortem"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          const list = followUps
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean);
          void writing.submit(() => patch({ postmortem: { impact, rootCause, followUps: list } }).then(() => true)).then(done);
        }}
      >
        <h2>Postmortem</h2>
        <Field label="Impact" error={writing.fieldError('postmortem.impact')}>
          {(p) => <textarea {...p} rows={3} value={impact} onChange={(e) => setImpact(e.target.value)} />}
        </Field>
        <Field label="Root cause" error={writing.fieldError('postmortem.rootCause')}>
          {(p) => <textarea {...p} rows={3} value={rootCause} onChange={(e) => setRootCause(e.target.value)} />}
        </Field>
        <Field label="Follow-ups, one per line" error={writing.fieldError('postmortem.followUps')}>
          {(p) => <textarea {...p} rows={3} value={followUps} onChange={(e) => setFollowUps(e.target.value)} />}
        </Field>
        <FormError error={writing.error} shown={['postmortem']} />
        <button type="submit">Save postmortem</button>
      </form>
    </div>
  );
}
