import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormEnd, useSubmit } from './form';
import { RunbookBody, type Runbook } from './runbooks';

/** Writes a runbook (new, or a new version of one) in Markdown, with a preview the server renders with its own sanitizer. */
export function RunbookForm({
  siteId,
  runbook,
  monitors,
  onDone,
}: {
  siteId: number;
  runbook: Runbook | undefined;
  monitors: readonly { id: number; name: string }[];
  onDone: () => void;
}) {
  const [title, setTitle] = useState(runbook?.title ?? '');
  const [monitorId, setMonitorId] = useState<string>('');
  const [body, setBody] = useState(runbook?.body ?? '');
  const [preview, setPreview] = useState<string | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const showPreview = async () => {
    const answer = await submit(() => api<{ html: string }>('/runbooks/preview', { method: 'POST', body: { body } }));
    if (answer) setPreview(answer.html);
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await submit(() =>
      runbook
        ? api(`/runbooks/${runbook.id}`, { method: 'PUT', body: { title, body } })
        : api(`/sites/${siteId}/runbooks`, { method: 'POST', body: { title, body, monitorId: monitorId ? Number(monitorId) : null } }),
    );
    if (ok !== undefined) onDone();
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label={runbook ? `Edit runbook ${runbook.title}` : 'New runbook'}>
      <h2>{runbook ? `Edit “${runbook.title}” (saves version ${runbook.version + 1})` : 'New runbook'}</h2>
      <div className="grid-2">
        <Field label="Title" error={fieldError('title')}>
          {(p) => <input {...p} value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />}
        </Field>
        {runbook ? null : (
          <Field label="For" error={fieldError('monitorId')} hint="an incident shows its site’s runbooks and its monitors’">
            {(p) => (
              <select {...p} value={monitorId} onChange={(e) => setMonitorId(e.target.value)}>
                <option value="">the whole site</option>
                {monitors.map((m) => (
                  <option key={m.id} value={m.id}>
                    monitor {m.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </div>
      <div className="toolbar" role="group" aria-label="Write or preview">
        <button type="button" aria-pressed={preview === null} onClick={() => setPreview(null)}>
          Write
        </button>
        <button type="button" aria-pressed={preview !== null} onClick={() => void showPreview()} disabled={busy}>
          Preview
        </button>
      </div>
      {preview === null ? (
        <Field label="Runbook (Markdown)" error={fieldError('body')} hint="headings, lists, code, links; scripts and other HTML are removed">
          {(p) => <textarea {...p} className="mono" rows={14} value={body} onChange={(e) => setBody(e.target.value)} />}
        </Field>
      ) : (
        <section aria-label="Preview" className="runbook-preview">
          <RunbookBody html={preview} />
        </section>
      )}
      <FormEnd error={error} shown={['title', 'monitorId', 'body']} busy={busy} submit={runbook ? 'Save new version' : 'Add runbook'} onCancel={onDone} />
    </form>
  );
}
