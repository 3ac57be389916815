import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { useLoad } from '../hooks';
import { Field, FormError, useSubmit } from './form';
import { lines } from './rows';

interface Widget {
  snippet: string;
  origins: string[];
}

/** The site's feedback widget: the snippet to embed, and (for editors) the origins it takes reports from; the first save makes it. */
export function WidgetSettings({ siteId, editable }: { siteId: number; editable: boolean }) {
  // No widget yet answers 404: that is "not made yet", not an error to show.
  const widget = useLoad((signal) => api<Widget>(`/sites/${siteId}/feedback-widget`, { signal }).catch(() => null), [siteId]);
  const [origins, setOrigins] = useState<string | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const w = widget.data;
  if (w === undefined || (!w && !editable)) return null;
  const text = origins ?? (w?.origins ?? []).join('\n');
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await submit(() => api(`/sites/${siteId}/feedback-widget`, { method: 'PUT', body: { origins: lines(text) } }));
    if (ok === undefined) return;
    setOrigins(null);
    widget.reload();
  };
  return (
    <details open={!w}>
      <summary>{w ? 'Embed the widget' : 'Make a feedback widget for this site'}</summary>
      {w ? <pre className="small">{w.snippet}</pre> : null}
      {editable ? (
        <form className="form" onSubmit={(e) => void onSubmit(e)} aria-label="Widget origins">
          <Field label="Origins the widget takes reports from (one per line)" error={fieldError('origins')} hint="e.g. https://shop.example">
            {(p) => <textarea {...p} rows={2} value={text} onChange={(e) => setOrigins(e.target.value)} />}
          </Field>
          <FormError error={error} shown={['origins']} />
          <button type="submit" disabled={busy}>
            {w ? 'Save origins' : 'Make the widget'}
          </button>
        </form>
      ) : (
        <p className="muted small">Origins allowed: {w!.origins.join(', ') || 'none yet'}</p>
      )}
    </details>
  );
}
