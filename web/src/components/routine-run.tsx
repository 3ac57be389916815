import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { when } from '../format';
import { useLoad } from '../hooks';
import { Field, FormEnd, useSubmit } from './form';
import type { Routine } from './routine-form';
import { lines } from './rows';
import { ErrorNote, Loading } from './ui';

interface Run {
  id: number;
  dueAt: string | null;
  completedAt: string;
  completedBy: string;
  notes: string;
  evidence: string[];
  checklist: { text: string; done: boolean }[];
}

/** Only http(s) links are made clickable (the server accepts no other, this holds even if one slipped in). */
const isWebLink = (url: string) => /^https?:\/\//i.test(url);

/** Records a routine as done: which checklist items were ticked, notes, links that show it was done. */
export function CompleteForm({ routine, onDone }: { routine: Routine; onDone: () => void }) {
  const [ticked, setTicked] = useState<boolean[]>(() => routine.checklist.map(() => false));
  const [notes, setNotes] = useState('');
  const [evidence, setEvidence] = useState('');
  const { busy, error, submit, fieldError } = useSubmit();
  const links = lines(evidence);
  const evidenceError = fieldError('evidence');
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const done = ticked.flatMap((t, i) => (t ? [i] : []));
    const ok = await submit(() => api(`/routines/${routine.id}/complete`, { method: 'POST', body: { notes, evidence: links, done } }));
    if (ok !== undefined) onDone();
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label={`Complete ${routine.name}`}>
      <h3>Complete “{routine.name}”</h3>
      <fieldset>
        <legend>Checklist</legend>
        {routine.checklist.map((item, i) => (
          <label key={i} className="inline">
            <input type="checkbox" checked={ticked[i]} onChange={(e) => setTicked((t) => t.map((x, j) => (j === i ? e.target.checked : x)))} />
            {item}
          </label>
        ))}
        <p className="hint">
          {ticked.filter(Boolean).length} of {routine.checklist.length} done
        </p>
      </fieldset>
      <Field label="Notes" error={fieldError('notes')} hint="what was done, what was found">
        {(p) => <textarea {...p} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <Field label="Evidence links (one per line)" error={evidenceError} hint="a restore log, a report, a ticket">
        {(p) => <textarea {...p} rows={2} value={evidence} onChange={(e) => setEvidence(e.target.value)} />}
      </Field>
      <FormEnd error={error} shown={['notes', 'evidence', 'done']} busy={busy} submit="Record as done" onCancel={onDone} />
    </form>
  );
}

/** When a routine was done, by whom, which items, with what notes and evidence; newest first. */
export function RoutineHistory({ routineId }: { routineId: number }) {
  const runs = useLoad((signal) => api<{ data: Run[] }>(`/routines/${routineId}/history`, { signal }), [routineId]);
  if (runs.error) return <ErrorNote error={runs.error} />;
  if (!runs.data) return <Loading what="the history" />;
  if (!runs.data.data.length) return <p className="empty">Not done yet.</p>;
  return (
    <ol className="timeline" aria-label="History">
      {runs.data.data.map((r) => {
        const done = r.checklist.filter((c) => c.done).length;
        return (
          <li key={r.id} data-run={r.id}>
            <strong>{when(r.completedAt)}</strong> by {r.completedBy} · {done}/{r.checklist.length} items
            {r.dueAt ? <span className="muted small"> · was due {when(r.dueAt)}</span> : null}
            {r.notes ? <p className="small">{r.notes}</p> : null}
            <ul className="small">
              {r.checklist.map((c, i) => (
                <li key={i}>
                  <span aria-hidden>{c.done ? '☑' : '☐'}</span> <span className="sr-only">{c.done ? 'done:' : 'not done:'}</span> {c.text}
                </li>
              ))}
            </ul>
            {r.evidence.length ? (
              <p className="small">
                Evidence:{' '}
                {r.evidence.map((url, i) => (
                  <span key={i}>
                    {i ? ', ' : ''}
                    {isWebLink(url) ? (
                      <a href={url} target="_blank" rel="noreferrer noopener">
                        {url}
                      </a>
                    ) : (
                      url
                    )}
                  </span>
                ))}
              </p>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
