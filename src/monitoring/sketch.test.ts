import { describe, expect, it } from 'vitest';
import { LatencySketch } from './sketch.js';

describe('latency sketch', () => {
  it('reads percentiles back within 2 %', () => {
    const sketch = new LatencySketch();
    const values = Array.from({ length: 10_000 }, (_, i) => 20 + ((i * 7919) % 980));
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const truth = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(sketch.quantile(q)! - truth) / truth).toBeLessThan(0.02);
    }
  });

  it('merges by adding counts and survives a text round trip', () => {
    const a = new LatencySketch();
    const b = new LatencySketch();
    for (let i = 0; i < 100; i++) a.add(100);
    for (let i = 0; i < 300; i++) b.add(1_000);
    const merged = LatencySketch.parse(a.toString());
    merged.merge(LatencySketch.parse(b.toString()));
    expect(merged.count).toBe(400);
    expect(merged.quantile(0.2)).toBeCloseTo(100, -1);
    expect(Math.abs(merged.quantile(0.5)! - 1_000)).toBeLessThan(20);
    expect(new LatencySketch().quantile(0.5)).toBeUndefined();
  });
});
