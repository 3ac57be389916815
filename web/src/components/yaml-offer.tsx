import { useEffect, useState } from 'react';
import { FormButtons } from './form';

/** API answers carry these beside the object's own fields; the file has none of them. */
const apiOnly = new Set(['id', 'managedBy', 'createdAt', 'updatedAt', 'siteId', 'site', 'pingUrl']);

export function fileForm(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([k, v]) => !apiOnly.has(k) && v !== undefined && v !== null && v !== ''));
}

/** Where an object lives in upkeep.yaml: the section, and for a monitor or a routine its site. */
export type FilePlace = { section: 'sites' | 'channels' | 'maintenance' | 'statusPages' } | { section: 'monitors' | 'routines'; site: string };

/** The YAML of an object placed where it goes in upkeep.yaml (yaml is loaded only when this is shown). */
function useYaml(object: Record<string, unknown>, place: FilePlace): string | null {
  const [text, setText] = useState<string | null>(null);
  const json = JSON.stringify(object);
  useEffect(() => {
    let live = true;
    void import('yaml').then(({ stringify }) => {
      const value = JSON.parse(json) as Record<string, unknown>;
      const doc =
        place.section === 'monitors'
          ? { sites: [{ name: place.site, monitors: [fileForm(value)] }] }
          : place.section === 'routines'
            ? { routines: [{ site: place.site, ...fileForm(value) }] }
            : { [place.section]: [fileForm(value)] };
      if (live) setText(stringify(doc, { lineWidth: 0 }));
    });
    return () => void (live = false);
    // `place` is compared by what it says.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [json, place.section, 'site' in place ? place.site : '']);
  return text;
}

/**
 * Shown instead of saving an object that upkeep.yaml defines: the API refuses such changes (409),
 * so the change is offered as YAML to put in the file, then `upkeep apply`. Nothing diverges silently.
 */
function YamlOffer({ object, place, what }: { object: Record<string, unknown>; place: FilePlace; what: string }) {
  const text = useYaml(object, place);
  const [copied, setCopied] = useState(false);
  const copy = () => {
    if (!text) return;
    void navigator.clipboard?.writeText(text).then(() => setCopied(true));
  };
  return (
    <section className="yaml-offer" aria-label="YAML to copy into upkeep.yaml">
      <p>
        <strong>This {what} is defined in upkeep.yaml</strong>, so the server does not take changes to it here (they would be undone by the next{' '}
        <code>upkeep apply</code>). Put this in the file in place of its entry, then run <code>upkeep apply</code>:
      </p>
      <p className="hint">Secrets show as ********: keep the value or the {'${VARIABLE}'} the file has for them.</p>
      <pre className="yaml" tabIndex={0}>
        {text ?? 'Writing the YAML…'}
      </pre>
      <button type="button" onClick={copy} disabled={!text}>
        {copied ? 'Copied' : 'Copy YAML'}
      </button>
    </section>
  );
}

/**
 * The end of a form for an object that upkeep.yaml may define: the YAML on offer (when the object is the
 * file's), then "Add …" / "Save …" — or "Show the YAML" for the file's objects — and Cancel.
 */
export function ObjectFormEnd({
  what,
  place,
  offer,
  managedBy,
  busy,
  onCancel,
}: {
  what: string;
  place: FilePlace;
  offer: Record<string, unknown> | null;
  /** Undefined for a new object. */
  managedBy: string | undefined;
  busy: boolean;
  onCancel?: (() => void) | undefined;
}) {
  return (
    <>
      {offer ? <YamlOffer object={offer} place={place} what={what} /> : null}
      <FormButtons busy={busy} submit={managedBy === 'config' ? 'Show the YAML' : `${managedBy ? 'Save' : 'Add'} ${what}`} onCancel={onCancel} />
    </>
  );
}
