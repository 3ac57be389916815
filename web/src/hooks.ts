import { useCallback, useEffect, useEffectEvent, useRef, useState } from 'react';
import { api, ApiError, qs, type Page } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** Loads again, keeping what is shown until the new answer is there. */
  reload: () => void;
  /** Shows an answer the caller already has (what a save returned) without loading again. */
  show: (data: T) => void;
}

/** Loads with `load` whenever `deps` change; the newest call wins, older answers are dropped. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError }>({});
  const [tick, setTick] = useState(0);
  const run = useEffectEvent(load);
  useEffect(() => {
    const abort = new AbortController();
    run(abort.signal).then(
      (data) => abort.signal.aborted || setState({ data }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setState((s) => ({ ...s, error: err instanceof ApiError ? err : new ApiError(0, 'client', (err as Error).message) }));
      },
    );
    return () => abort.abort();
    // The caller's deps decide when to load again; `tick` is a reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const show = useCallback((data: T) => setState({ data }), []);
  return { data: state.data, error: state.error, reload, show };
}

/** A one-off action (delete, revoke): `run` calls it, then `done` (a reload); a refusal is kept in `error` to be shown. */
export function useAction(): { error: ApiError | undefined; run: (call: () => Promise<unknown>, done?: () => void) => void } {
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = useCallback((call: () => Promise<unknown>, done?: () => void) => {
    setError(undefined);
    call().then(
      () => done?.(),
      (err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, 'client', (err as Error).message)),
    );
  }, []);
  return { error, run };
}

/** Calls `fn` once, `ms` after the last of a burst of calls (live events come in bursts). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<number | undefined>(undefined);
  // The newest `fn`, kept for the timer (an effect event cannot be called from a timer set outside an effect).
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => latest.current(), ms);
  }, [ms]);
}

/** A value that follows `value` after it has stopped changing for `ms` (search boxes). */
export function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * Which one panel of a list page is open: the form for a new item, or one panel of one item (its
 * editor, its history…). An item's button toggles its panel; `close` shuts it and reloads the list.
 */
export function usePanel<K extends string>(reload: () => void) {
  const [open, setOpen] = useState<{ kind: K | 'new'; id: number } | null>(null);
  return {
    adding: open?.kind === 'new',
    /** The panel open on item `id`, if any. */
    of: (id: number): K | null => (open && open.kind !== 'new' && open.id === id ? open.kind : null),
    add: () => setOpen({ kind: 'new', id: 0 }),
    toggle: (kind: K, id: number) => setOpen((o) => (o?.kind === kind && o.id === id ? null : { kind, id })),
    close: () => {
      setOpen(null);
      reload();
    },
  };
}

/**
 * A list the server searches, filters and pages: its first `size` rows loaded whenever `params`
 * change, the next page appended as the list scrolls (`loadMore`), and `refresh` reading what is
 * shown again in one call (at most `max` rows, at most once a second: for live events). `answer` is
 * the first page's answer (totals and the like), with the page of the last one.
 */
export function useServerList<T, A extends Page<T> = Page<T>>(path: string, params: Record<string, string | number>, size: number, max: number) {
  const query = qs(params);
  const url = useCallback((more: Record<string, string | number>) => `${path}${query}${query ? '&' : '?'}${qs(more).slice(1)}`, [path, query]);
  const [rows, setRows] = useState<T[]>([]);
  const [answer, setAnswer] = useState<A | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const loadingMore = useRef(false);

  const load = useCallback(
    (limit: number, signal?: AbortSignal) =>
      api<A>(url({ limit }), signal ? { signal } : {}).then(
        (got) => {
          setAnswer(got);
          setRows(got.data);
          setError(null);
        },
        (err: Error) => err.name !== 'AbortError' && setError(err),
      ),
    [url],
  );
  useEffect(() => {
    const abort = new AbortController();
    void load(size, abort.signal);
    return () => abort.abort();
  }, [load, size]);

  const cursor = answer?.page.nextCursor;
  const loadMore = useCallback(() => {
    if (!cursor || loadingMore.current) return;
    loadingMore.current = true;
    api<A>(url({ limit: size, cursor }))
      .then((got) => {
        setRows((r) => [...r, ...got.data]);
        setAnswer((a) => (a ? { ...a, page: got.page } : got));
      })
      .catch((err: unknown) => setError(err as Error))
      .finally(() => (loadingMore.current = false));
  }, [cursor, url, size]);
  const refresh = useDebounced(() => void load(Math.min(max, Math.max(size, rows.length))), 1_000);
  return { rows, answer, error, loadMore, refresh };
}
