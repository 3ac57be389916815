import { useState, type FormEvent } from 'react';
import { api, type ApiError } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { ErrorNote, Loading, PageTitle, Status } from '../components/ui';
import { span, when } from '../format';
import { useLoad } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import { canEdit, useSession } from '../session';
import type { Incident } from './incidents';

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
  const [actionError, setActionError] = useState<ApiError | null>(null);
  useLive((e) => {
    if (e.type === 'incident' && (e.data.incidentId === id || e.data.siteId === incident.data?.siteId)) {
      incident.reload();
      notifications.reload();
    }
  });
  if (incident.error) return <ErrorNote error={incident.error} title="This incident could not be loaded" />;
  if (!incident.data) return <Loading what="the incident" />;
  const i = incident.data;
  const editable = canEdit(user);
  const act = async (path: string, body?: unknown, method: 'POST' | 'PATCH' = 'POST') => {
    setActionError(null);
    try {
      await api(`/incidents/${id}${path}`, { method, ...(body === undefined ? {} : { body }) });
      incident.reload();
    } catch (err) {
      setActionError(err as ApiError);
    }
  };
  return (
    <main id="main" className="content">
      <p className="crumbs">
        <Link to="/incidents">Incidents</Link> / <Link to={`/sites/${i.siteId}`}>site</Link>
      </p>
      <PageTitle
        actions={
          editable && i.status !== 'resolved' ? (
            <>
              {i.status === 'open' ? (
                <button type="button" className="primary" onClick={() => void act('/acknowledge')}>
                  Acknowledge
                </button>
              ) : null}
              <button type="button" onClick={() => void act('/resolve')}>
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
      <ErrorNote error={actionError} />
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
                <Status value={m.status} /> <Link to={`/monitors/${m.monitorId}`}>monitor {m.monitorId}</Link> {m.message}{' '}
                <span className="muted small">since {when(m.since)}</span>
              </li>
            ))}
          </ul>
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
      {editable ? <Handling incident={i} onChanged={incident.reload} /> : null}
    </main>
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
