import { useEffect, useRef, type CSSProperties } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { pct } from '../format';

export interface SeriesBucket {
  at: string;
  checks: number;
  up: number;
  degraded: number;
  down: number;
  uptime: number | null;
  latency: { avg: number | null; p95: number | null };
  phases: { dns: number; connect: number; tls: number; ttfb: number; transfer: number } | null;
}

const phases = ['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const;
const phaseLabels = { dns: 'DNS', connect: 'Connect', tls: 'TLS', ttfb: 'Waiting (TTFB)', transfer: 'Transfer' };
// Readable on light and dark backgrounds alike.
const phaseColors = { dns: '#8b5cf6', connect: '#0ea5e9', tls: '#14b8a6', ttfb: '#f59e0b', transfer: '#ef4444' };

/** A colour of the theme, read where a chart is drawn (so light and dark both work). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** A time chart of milliseconds in `el`, following its width; answers how to take it down. */
function drawTimes(el: HTMLElement, height: number, series: uPlot.Series[], data: uPlot.AlignedData): () => void {
  const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid') }, ticks: { stroke: cssVar('--grid') } };
  const plot = new uPlot(
    {
      width: el.clientWidth || 600,
      height,
      series,
      axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => `${t} ms`), size: 60 }],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
      cursor: { drag: { x: false, y: false } },
    },
    data,
    el,
  );
  const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
  observer.observe(el);
  return () => {
    observer.disconnect();
    plot.destroy();
  };
}

/**
 * Response time by phase: the phases stacked (DNS at the bottom, transfer on top), so the top edge
 * is the whole response time; checks without phases (TCP, DNS, TLS…) show their average and p95.
 */
export function ResponseChart({ buckets, height = 220 }: { buckets: readonly SeriesBucket[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = buckets.map((b) => Date.parse(b.at) / 1000);
    const hasPhases = buckets.some((b) => b.phases);
    let data: uPlot.AlignedData;
    let series: uPlot.Series[];
    if (hasPhases) {
      // Cumulative sums, drawn from the top phase down so each lower band paints over the one above it.
      const own = phases.map((p) => buckets.map((b) => (b.phases ? b.phases[p] : null)));
      const cumulative = phases.map((_, i) => buckets.map((b, j) => (b.phases ? own.slice(0, i + 1).reduce((sum, s) => sum + (s[j] ?? 0), 0) : null)));
      const order = [...phases.keys()].reverse();
      data = [xs, ...order.map((i) => cumulative[i]!)];
      series = [
        {},
        ...order.map((i) => ({
          label: phaseLabels[phases[i]!],
          stroke: phaseColors[phases[i]!],
          fill: `${phaseColors[phases[i]!]}55`,
          width: 1,
          value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) => (idx === null || own[i]![idx] === null ? '—' : `${own[i]![idx]} ms`),
        })),
      ];
    } else {
      data = [xs, buckets.map((b) => b.latency.avg), buckets.map((b) => b.latency.p95)];
      series = [
        {},
        { label: 'Average', stroke: phaseColors.connect, width: 2, value: (_u, v) => (v === null ? '—' : `${Math.round(v)} ms`) },
        { label: 'p95', stroke: phaseColors.ttfb, width: 1, dash: [4, 4], value: (_u, v) => (v === null ? '—' : `${Math.round(v)} ms`) },
      ];
    }
    return drawTimes(el, height, series, data);
  }, [buckets, height]);
  return <div ref={box} className="chart" role="img" aria-label="Response time by phase over the chosen window" />;
}

/** One bar per bucket: green all up, amber some failures, red mostly down, grey without checks. Each says its figures on hover and focus. */
export function UptimeBars({ buckets, bucketSeconds }: { buckets: readonly SeriesBucket[]; bucketSeconds: number }) {
  const label = (b: SeriesBucket) => {
    const start = new Date(b.at);
    const when = bucketSeconds >= 86_400 ? start.toLocaleDateString() : start.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
    return b.checks ? `${when}: ${pct(b.uptime)} up, ${b.down} failed of ${b.checks} checks` : `${when}: no checks`;
  };
  const kind = (b: SeriesBucket) => (!b.checks ? 'none' : b.uptime === 100 ? 'up' : (b.uptime ?? 0) >= 95 ? 'partial' : 'down');
  return (
    <div className="uptime-bars" role="list" aria-label="Uptime per period" style={{ '--bars': buckets.length } as CSSProperties}>
      {buckets.map((b) => (
        <span key={b.at} role="listitem" className={`bar bar-${kind(b)}`} title={label(b)} aria-label={label(b)} />
      ))}
    </div>
  );
}

/** One location's buckets, as `/monitors/{id}/locations/series` answers them. */
export interface LocationSeries {
  location: string;
  data: { at: string; checks: number; degraded: number; down: number; avgMs: number | null }[];
}

// Told apart by colour and by dash, so the lines stay distinct without colour too.
const locationStyles = [
  { stroke: '#0ea5e9' },
  { stroke: '#f59e0b', dash: [6, 3] },
  { stroke: '#8b5cf6', dash: [2, 3] },
  { stroke: '#14b8a6', dash: [8, 3, 2, 3] },
  { stroke: '#ef4444', dash: [10, 5] },
];

/** Average response time per bucket, one line per probe location. */
export function LocationChart({ locations, height = 220 }: { locations: readonly LocationSeries[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !locations.length) return;
    const xs = locations[0]!.data.map((b) => Date.parse(b.at) / 1000);
    const series = locations.map((l, i) => ({
      label: l.location,
      width: 2,
      ...locationStyles[i % locationStyles.length],
      value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`),
    }));
    return drawTimes(el, height, [{}, ...series], [xs, ...locations.map((l) => l.data.map((b) => b.avgMs))]);
  }, [locations, height]);
  return <div ref={box} className="chart" role="img" aria-label={`Response time from ${locations.map((l) => l.location).join(', ')} over the chosen window`} />;
}
