import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { api } from '../api';
import { ms, pct } from '../format';
import { useLoad } from '../hooks';
import { ErrorNote, Status } from './ui';

interface ObjectiveRow {
  name: string;
  type: 'availability' | 'latency' | 'performance' | 'lcp' | 'security-grade' | 'third-parties' | 'backup' | 'restore-drill';
  monitor: string | null;
  goal: string;
  attainment: number | null;
  met: boolean | null;
  checks: number;
  budget: { failed: number; allowed: number; remaining: number | null } | null;
  burnRates: Record<string, number> | null;
  alert: { rule: string; action: 'page' | 'ticket'; factor: number } | null;
  problem: string | null;
  /** Goals from audits and backups: the figure as written ("B", "92", "longest wait 1d"). */
  attained: string | null;
}
interface HistoryRow {
  objective: string;
  days: { day: string; budgetRemaining: number | null; attainment: number | null }[];
}

const colors = ['#0ea5e9', '#f59e0b', '#8b5cf6', '#14b8a6', '#ef4444'];
const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
const budget = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);

/** Error budget left per day, one line per availability objective (0 % is spent; below it, overspent). */
function BudgetChart({ history }: { history: readonly HistoryRow[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !history.length) return;
    const days = [...new Set(history.flatMap((h) => h.days.map((d) => d.day)))].sort();
    const xs = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
    const lines = history.map((h) => {
      const byDay = new Map(h.days.map((d) => [d.day, d.budgetRemaining === null ? null : d.budgetRemaining * 100]));
      return days.map((d) => byDay.get(d) ?? null);
    });
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid') }, ticks: { stroke: cssVar('--grid') } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 200,
        series: [
          {},
          ...history.map((h, i) => ({
            label: h.objective,
            stroke: colors[i % colors.length]!,
            width: 2,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(1)} %`),
          })),
        ],
        axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => `${t} %`), size: 60 }],
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(100, max)] } },
        cursor: { drag: { x: false, y: false } },
      },
      [xs, ...lines],
      el,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 200 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [history]);
  return <div ref={box} className="chart" role="img" aria-label="Error budget left per day" />;
}

/** The site's objectives: each goal, where it stands, the budget left, an alert that fires, and the budget over time. */
export function ObjectivesSection({ siteId }: { siteId: number }) {
  const now = useLoad((signal) => api<{ data: ObjectiveRow[] }>(`/sites/${siteId}/objectives`, { signal }), [siteId]);
  const history = useLoad((signal) => api<{ data: HistoryRow[] }>(`/sites/${siteId}/objectives/history?days=90`, { signal }), [siteId]);
  const rows = now.data?.data;
  if (rows && !rows.length) return null;
  const availability = new Set(rows?.filter((r) => r.type === 'availability').map((r) => r.name));
  return (
    <section aria-label="Objectives" className="objectives">
      <h2>Objectives</h2>
      <ErrorNote error={now.error ?? history.error} />
      {rows ? (
        <table className="objectives-table">
          <thead>
            <tr>
              <th scope="col">Objective</th>
              <th scope="col">Goal</th>
              <th scope="col">Now</th>
              <th scope="col">Budget left</th>
              <th scope="col">Alert</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((o) => (
              <tr key={o.name} data-objective={o.name}>
                <td>
                  {o.name}
                  {o.monitor ? <span className="muted small"> · {o.monitor}</span> : null}
                </td>
                <td>{o.goal}</td>
                <td>
                  {o.problem ? (
                    <span className="owner-flag">{o.problem}</span>
                  ) : (
                    <>
                      <Status value={o.met === null ? 'pending' : o.met ? 'up' : 'down'}>{o.met === null ? 'no checks' : o.met ? 'met' : 'missed'}</Status>{' '}
                      {o.attained ?? (o.type === 'availability' ? pct(o.attainment) : ms(o.attainment))}
                    </>
                  )}
                </td>
                <td>{o.budget ? `${budget(o.budget.remaining)} (${o.budget.failed} of ${Math.floor(o.budget.allowed)} failures allowed)` : '—'}</td>
                <td>
                  {o.alert ? <Status value={o.alert.action === 'page' ? 'down' : 'degraded'}>{`${o.alert.action}: ${o.alert.rule} burn`}</Status> : 'none'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {history.data ? <BudgetChart history={history.data.data.filter((h) => availability.has(h.objective))} /> : null}
    </section>
  );
}
