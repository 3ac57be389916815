import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { useAction } from '../hooks';
import { commaList } from './rows';
import { ErrorNote } from './ui';

export const feedbackStates = ['new', 'triaged', 'linked', 'done'] as const;

export interface FeedbackReport {
  id: number;
  state: (typeof feedbackStates)[number];
  tags: string[];
  incidentId: number | null;
}

/** An editor's controls for one report: its state, its tags, the incident it is about (one of its site's). */
export function Triage({
  report,
  incidents,
  onChanged,
}: {
  report: FeedbackReport;
  incidents: readonly { id: number; title: string; status: string }[];
  onChanged: () => void;
}) {
  const action = useAction();
  const [tags, setTags] = useState(report.tags.join(', '));
  const [incident, setIncident] = useState('');
  const change = (body: object) => action.run(() => api(`/feedback/${report.id}`, { method: 'PATCH', body }), onChanged);
  const saveTags = (e: FormEvent) => {
    e.preventDefault();
    change({ tags: commaList(tags) });
  };
  const link = (e: FormEvent) => {
    e.preventDefault();
    if (incident) change({ incidentId: Number(incident) });
  };
  const n = report.id;
  return (
    <div className="triage">
      <div className="toolbar" role="group" aria-label={`State of report ${n}`}>
        {feedbackStates
          .filter((s) => s !== 'linked' && s !== report.state)
          .map((s) => (
            <button key={s} type="button" onClick={() => change({ state: s })}>
              Mark {s}
            </button>
          ))}
        {report.incidentId ? (
          <button type="button" onClick={() => change({ incidentId: null })}>
            Unlink incident {report.incidentId}
          </button>
        ) : null}
      </div>
      <form className="inline" onSubmit={saveTags} aria-label={`Tags of report ${n}`}>
        <label htmlFor={`tags-${n}`}>Tags</label>
        <input id={`tags-${n}`} value={tags} onChange={(e) => setTags(e.target.value)} placeholder="checkout, mobile" aria-describedby={`tags-${n}-hint`} />
        <span id={`tags-${n}-hint`} className="sr-only">
          comma-separated
        </span>
        <button type="submit">Save tags</button>
      </form>
      {report.incidentId ? null : (
        <form className="inline" onSubmit={link} aria-label={`Incident of report ${n}`}>
          <label htmlFor={`incident-${n}`}>Incident</label>
          <select id={`incident-${n}`} value={incident} onChange={(e) => setIncident(e.target.value)}>
            <option value="">{incidents.length ? 'choose an incident of this site' : 'this site has no incidents'}</option>
            {incidents.map((i) => (
              <option key={i.id} value={i.id}>
                #{i.id} {i.title} ({i.status})
              </option>
            ))}
          </select>
          <button type="submit" disabled={!incident}>
            Link to incident
          </button>
        </form>
      )}
      <ErrorNote error={action.error} />
    </div>
  );
}
