/**
 * A latency histogram in logarithmic buckets: bucket i holds values in [γ^(i-1), γ^i) ms with γ = 1.04,
 * so any percentile read back is within 2 % of the truth, and two sketches merge by adding counts
 * (a minute's sketches make an hour's; an hour's make a day's). Stored sparse as "i:count,…".
 */
const GAMMA = 1.04;
const LOG_GAMMA = Math.log(GAMMA);

export class LatencySketch {
  private readonly counts = new Map<number, number>();
  private total = 0;

  static parse(text: string): LatencySketch {
    const sketch = new LatencySketch();
    if (!text) return sketch;
    for (const part of text.split(',')) {
      const [i, c] = part.split(':');
      sketch.addBucket(Number(i), Number(c));
    }
    return sketch;
  }

  get count(): number {
    return this.total;
  }

  add(ms: number): void {
    this.addBucket(ms < 1 ? 0 : Math.floor(Math.log(ms) / LOG_GAMMA) + 1, 1);
  }

  merge(other: LatencySketch): void {
    for (const [i, c] of other.counts) this.addBucket(i, c);
  }

  /** The value at quantile q (0–1), or undefined when the sketch is empty. */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const i of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(i)!;
      if (seen >= rank) return i === 0 ? 0 : Math.round(GAMMA ** (i - 0.5));
    }
    return undefined;
  }

  clear(): void {
    this.counts.clear();
    this.total = 0;
  }

  toString(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([i, c]) => `${i}:${c}`)
      .join(',');
  }

  private addBucket(i: number, c: number): void {
    if (!Number.isFinite(i) || !Number.isFinite(c) || c <= 0) return;
    this.counts.set(i, (this.counts.get(i) ?? 0) + c);
    this.total += c;
  }
}
