import { Fragment, useState, type ReactNode } from 'react';
import { api } from '../api';

/**
 * The form of a list page that adds and edits the page's objects: closed, open for a new object, or
 * open for one of the list. It is keyed by the object, so switching objects starts it afresh, and
 * closes and calls `onSaved` (reload the list) when the form is done. `buttons` are a row's Edit and
 * Delete (asked first, then `run` as `useAction` does); an object upkeep.yaml owns has no Delete here.
 */
export function useEditor<T extends { id: number }>(onSaved: () => void) {
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  return {
    addButton: (label: string) => (
      <button type="button" className="primary" onClick={() => setEditing('new')}>
        {label}
      </button>
    ),
    buttons: (
      object: T & { managedBy: string },
      remove: { question: string; path: string },
      run: (call: () => Promise<unknown>, done?: () => void) => void,
    ) => (
      <>
        <button type="button" onClick={() => setEditing(object)}>
          Edit
        </button>
        {object.managedBy === 'config' ? null : (
          <button type="button" className="danger" onClick={() => confirm(remove.question) && run(() => api(remove.path, { method: 'DELETE' }), onSaved)}>
            Delete
          </button>
        )}
      </>
    ),
    form: (render: (object: T | undefined, done: () => void) => ReactNode) =>
      editing ? (
        <Fragment key={editing === 'new' ? 'new' : editing.id}>
          {render(editing === 'new' ? undefined : editing, () => {
            setEditing(null);
            onSaved();
          })}
        </Fragment>
      ) : null,
  };
}
