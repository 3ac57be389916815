import type { ReactNode } from 'react';

/**
 * A list of like things edited in place (vendors, people, processors…): one fieldset each, named
 * "Vendor 2" so labels and buttons say which one they are about, with Remove and Add buttons.
 */
export function Rows<T>({
  noun,
  items,
  onChange,
  blank,
  max,
  children,
}: {
  /** What one row is, capitalized: "Vendor". */
  noun: string;
  items: readonly T[];
  onChange: (items: T[]) => void;
  blank: () => T;
  max: number;
  /** The fields of row `i`; `set` merges a change into it. */
  children: (item: T, set: (patch: Partial<T>) => void, i: number) => ReactNode;
}) {
  const set = (i: number) => (patch: Partial<T>) => onChange(items.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <>
      {items.map((item, i) => (
        <fieldset key={i}>
          <legend>
            {noun} {i + 1}
          </legend>
          <div className="grid-3">{children(item, set(i), i)}</div>
          <button type="button" className="danger" onClick={() => onChange(items.filter((_, j) => j !== i))}>
            Remove {noun.toLowerCase()} {i + 1}
          </button>
        </fieldset>
      ))}
      {items.length < max ? (
        <button type="button" onClick={() => onChange([...items, blank()])}>
          Add {noun.toLowerCase()}
        </button>
      ) : null}
    </>
  );
}

/** An object without its empty text fields: the API wants optional fields left out, not "" (which is not an email or a URL). */
export function compact<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => !(typeof v === 'string' && v.trim() === ''))) as Partial<T>;
}

/** "a, b, c" → ["a", "b", "c"]. */
export const commaList = (text: string) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The non-empty lines of a text box, trimmed (one item per line). */
export const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
