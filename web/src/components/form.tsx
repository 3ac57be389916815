import { useId, useState, type ReactNode } from 'react';
import { ApiError } from '../api';
import type { KindInfo } from '../kinds';

/** A labelled field with the server's message about it beside it. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), ...(described ? { 'aria-describedby': described } : {}) })}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** The type of a plugin object (monitor, channel): a choice among the kinds the server offers, fixed once the object exists. */
export function KindField({
  kinds,
  value,
  onChange,
  fixed,
  error,
}: {
  kinds: readonly Pick<KindInfo, 'kind' | 'label'>[] | undefined;
  value: string;
  onChange: (kind: string) => void;
  fixed: boolean;
  error?: string | undefined;
}) {
  return (
    <Field label="Type" error={error}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)} disabled={fixed}>
          {(kinds ?? [{ kind: value, label: value }]).map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/**
 * A form's sending state: `submit` runs the call, keeps the API's error, and spreads its field
 * messages by path so each field shows its own ("url: expected an http(s) URL").
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async <T,>(call: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await call();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', (err as Error).message));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const fields = error?.fields ?? {};
  /** The message for a field, or for anything under it ("expect" shows "expect.status"). */
  const fieldError = (path: string) => fields[path] ?? Object.entries(fields).find(([p]) => p.startsWith(`${path}.`) || p.startsWith(`${path}[`))?.[1];
  return { busy, error, setError, submit, fieldError };
}

/** The form-level error: the message, and any detail that names a field no input shows. */
export function FormError({ error, shown }: { error: ApiError | null; shown: readonly string[] }) {
  if (!error) return null;
  const orphan = error.details.filter((d) => d.path && !shown.some((s) => d.path === s || d.path!.startsWith(`${s}.`) || d.path!.startsWith(`${s}[`)));
  return (
    <div className="error" role="alert">
      {error.message}
      {orphan.length ? (
        <ul>
          {orphan.map((d, i) => (
            <li key={i}>
              <code>{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A form's buttons: the primary one, and Cancel when the form can be closed. */
export function FormButtons({ busy, submit, onCancel }: { busy: boolean; submit: string; onCancel?: (() => void) | undefined }) {
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
      {onCancel ? (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}

/** A form's end: its error (fields named that no input shows), then its buttons. */
export function FormEnd({
  error,
  shown,
  ...buttons
}: {
  error: ApiError | null;
  shown: readonly string[];
  busy: boolean;
  submit: string;
  onCancel?: (() => void) | undefined;
}) {
  return (
    <>
      <FormError error={error} shown={shown} />
      <FormButtons {...buttons} />
    </>
  );
}

/**
 * A form's plain inputs, each showing the server's message for its path: `text` for a string
 * (any input type), `choice` for one of fixed values.
 *
 * @example const { text } = boundFields(fieldError); text('name', 'Name', name, setName)
 */
export function boundFields(fieldError: (path: string) => string | undefined) {
  return {
    text: (
      path: string,
      label: string,
      value: string,
      set: (v: string) => void,
      { type = 'text', hint }: { type?: string; hint?: string | undefined } = {},
    ) => (
      <Field label={label} error={fieldError(path)} hint={hint}>
        {(p) => <input {...p} type={type} value={value} onChange={(e) => set(e.target.value)} />}
      </Field>
    ),
    choice: (path: string, label: string, values: readonly string[], value: string, set: (v: string) => void) => (
      <Field label={label} error={fieldError(path)}>
        {(p) => (
          <select {...p} value={value} onChange={(e) => set(e.target.value)}>
            {values.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        )}
      </Field>
    ),
  };
}
