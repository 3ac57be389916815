import type { ReactNode } from 'react';
import type { ApiError } from '../api';

/** A status word with its colour: up, down, degraded, pending, paused, maintenance, open, acknowledged, resolved. */
export function Status({ value, children }: { value: string; children?: ReactNode }) {
  return <span className={`status status-${value}`}>{children ?? value}</span>;
}

/** Marks an object defined in upkeep.yaml: it is changed in the file, not here. */
export function FromFile({ managedBy }: { managedBy: string }) {
  if (managedBy !== 'config') return null;
  return (
    <span className="badge badge-file" title="Defined in upkeep.yaml: change it in the file and run upkeep apply">
      upkeep.yaml
    </span>
  );
}

/** An error from the API in words; never a stack trace. */
export function ErrorNote({ error, title }: { error: ApiError | Error | undefined | null; title?: string }) {
  if (!error) return null;
  const details = 'details' in error ? error.details.filter((d) => !d.path) : [];
  return (
    <div className="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {error.message}
      {details.length ? (
        <ul>
          {details.map((d, i) => (
            <li key={i}>{d.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what?: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading{what ? ` ${what}` : ''}…
    </p>
  );
}

/** A detail page while its object is not there to show: why it could not be loaded, or that it is loading. */
export function NotLoaded({ error, what }: { error: ApiError | Error | undefined | null; what: string }) {
  return (
    <main id="main" className="content">
      {error ? <ErrorNote error={error} title={`This ${what} could not be loaded`} /> : <Loading what={`the ${what}`} />}
    </main>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-title">
      <h1>{children}</h1>
      {actions ? <div className="actions">{actions}</div> : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A Revoke button for a credential (API token, probe) that asks first; `revoke` does the call. */
export function RevokeButton({ name, revoke }: { name: string; revoke: () => void }) {
  return (
    <button type="button" className="danger" onClick={() => confirm(`Revoke ${name}?`) && revoke()}>
      Revoke
    </button>
  );
}
