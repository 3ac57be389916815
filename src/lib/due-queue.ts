import FlatQueue from 'flatqueue';

/**
 * Keys with due times, taken soonest first: each key is due once (setting it again moves it), so
 * work that happens at a time (a check's slot, a heartbeat's deadline) costs a heap operation when
 * its time comes instead of a look at every key every second.
 *
 * The heap is flatqueue's two flat arrays; a moved or deleted key leaves its old entry behind, which
 * is skipped when it surfaces (it no longer matches the key's due time) and dropped for good when
 * stale entries outnumber live ones.
 *
 * @example
 * const q = new DueQueue<number>();
 * q.set(42, Date.now() + 60_000);
 * for (let id; (id = q.take(Date.now())) !== undefined; ) run(id);
 */
export class DueQueue<K> {
  private heap = new FlatQueue<K>();
  private readonly due = new Map<K, number>();

  get size(): number {
    return this.due.size;
  }

  /** When `key` is due, if it is. */
  get(key: K): number | undefined {
    return this.due.get(key);
  }

  has(key: K): boolean {
    return this.due.has(key);
  }

  set(key: K, at: number): void {
    if (this.due.get(key) === at) return;
    this.due.set(key, at);
    this.heap.push(key, at);
    if (this.heap.length > 2 * this.due.size + 1_024) this.compact();
  }

  delete(key: K): boolean {
    return this.due.delete(key);
  }

  /** The soonest due time, if any key is due at all. */
  next(): number | undefined {
    this.dropStale();
    return this.heap.peekValue();
  }

  /** Takes the soonest key due at or before `now` (it is no longer due), or undefined when none is. */
  take(now: number): K | undefined {
    this.dropStale();
    const at = this.heap.peekValue();
    if (at === undefined || at > now) return undefined;
    const key = this.heap.pop()!;
    this.due.delete(key);
    return key;
  }

  /** Pops entries at the head that a later set or delete left behind. */
  private dropStale(): void {
    while (this.heap.length && this.due.get(this.heap.peek()!) !== this.heap.peekValue()) this.heap.pop();
  }

  private compact(): void {
    this.heap = new FlatQueue<K>();
    for (const [key, at] of this.due) this.heap.push(key, at);
  }
}
