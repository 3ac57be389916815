import { Fragment, useState, type ReactNode } from 'react';

/**
 * The form of a list page that adds and edits the page's objects: closed, open for a new object, or
 * open for one of the list. It is keyed by the object, so switching objects starts it afresh, and
 * closes and calls `onSaved` (reload the list) when the form is done.
 */
export function useEditor<T extends { id: number }>(onSaved: () => void) {
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  return {
    edit: (object: T) => setEditing(object),
    addButton: (label: string) => (
      <button type="button" className="primary" onClick={() => setEditing('new')}>
        {label}
      </button>
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
