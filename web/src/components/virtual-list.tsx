import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

/**
 * A list that renders only the rows in view (plus a few), so 10,000 rows cost what 30 do. Rows
 * have one height; the list scrolls inside its own box. Arrow keys, Home and End move the focus
 * between rows (each row's first link or button), scrolling as needed. `onNearEnd` asks for the
 * next page when the last rows come into view.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  render,
  keyOf,
  onNearEnd,
  label,
  height = '70vh',
}: {
  items: readonly T[];
  rowHeight: number;
  render: (item: T, index: number) => ReactNode;
  keyOf: (item: T) => string | number;
  onNearEnd?: (() => void) | undefined;
  label: string;
  height?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);
  const pendingFocus = useRef<number | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const overscan = 8;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);

  useEffect(() => {
    if (onNearEnd && last >= items.length - overscan && items.length > 0) onNearEnd();
  }, [last, items.length, onNearEnd]);

  const focusRow = (index: number): boolean => {
    const row = box.current?.querySelector<HTMLElement>(`[data-row="${index}"] a, [data-row="${index}"] button`);
    row?.focus();
    return Boolean(row);
  };

  useEffect(() => {
    if (pendingFocus.current !== null && focusRow(pendingFocus.current)) pendingFocus.current = null;
  });

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>('[data-row]');
    if (!rowEl || !box.current) return;
    const index = Number(rowEl.dataset.row);
    const target = e.key === 'ArrowDown' ? index + 1 : e.key === 'ArrowUp' ? index - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : null;
    if (target === null || target < 0 || target >= items.length) return;
    e.preventDefault();
    const el = box.current;
    const top = target * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    // A row in view takes the focus now; one scrolled into view takes it once it is drawn.
    if (!focusRow(target)) {
      pendingFocus.current = target;
      setScrollTop(el.scrollTop);
    }
  };

  return (
    <div
      ref={box}
      className="virtual-list"
      style={{ height, maxHeight: items.length * rowHeight + 2 }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
      role="list"
      aria-label={label}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div
            key={keyOf(item)}
            role="listitem"
            data-row={first + i}
            className="virtual-row"
            style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}
          >
            {render(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
