import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { api } from '../api';
import { ms, pct } from '../format';
import { useLoad } from '../hooks';
import { cssVar } from './charts';
import { ErrorNote } from './ui';

interface GoalMonth {
  month: string;
  met: boolean | null;
  attainment: number | null;
  attained: string | null;
  problem: string | null;
}
interface Trends {
  timezone: string;
  months: { month: string; partial: boolean }[];
  goals: { name: string; type: string; goal: string; months: GoalMonth[] }[];
  monitors: { id: number; name: string; months: { month: string; checks: number; p50: number | null; p95: number | null; p99: number | null }[] }[];
  audits: { category: string; runs: { id: number; at: string; scores: Record<string, number>; grades: Record<string, string> }[] }[];
}

const colors = ['#0ea5e9', '#f59e0b', '#8b5cf6', '#14b8a6', '#ef4444', '#84cc16', '#ec4899'];
const monthName = (month: string) => new Date(`${month}-15T12:00:00Z`).toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const axisStyle = () => ({ stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid') }, ticks: { stroke: cssVar('--grid') } });

/** A uPlot chart that follows its box's width; `make` gives the options (without size) and the data. */
function Plot({
  make,
  height,
  label,
  deps,
}: {
  make: () => [Omit<uPlot.Options, 'width' | 'height'>, uPlot.AlignedData];
  height: number;
  label: string;
  deps: readonly unknown[];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const [options, data] = make();
    const plot = new uPlot({ ...options, width: el.clientWidth || 600, height }, data, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
    // `make` is a new closure on every render; the chart is drawn again only when the data it draws (`deps`) change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return <div ref={box} className={height < 200 ? 'chart chart-small' : 'chart'} role="img" aria-label={label} />;
}

/** Availability goals in percent (left axis); latency goals and each monitor's p95 in ms (right axis), one point a month. */
function YearChart({ trends }: { trends: Trends }) {
  const xs = trends.months.map((m) => Date.parse(`${m.month}-15T12:00:00Z`) / 1000);
  const percent = trends.goals.filter((g) => g.type === 'availability');
  const latency = trends.goals.filter((g) => g.type === 'latency');
  const first = monthName(trends.months[0]!.month);
  const last = monthName(trends.months.at(-1)!.month);
  return (
    <Plot
      height={240}
      deps={[trends]}
      label={`Attainment per goal and p95 response time per monitor, month by month from ${first} to ${last}; the table below gives every figure`}
      make={() => {
        const axis = axisStyle();
        const series: uPlot.Series[] = [{ label: 'Month', value: (_u, v) => (v === null ? '—' : monthName(new Date(v * 1000).toISOString().slice(0, 7))) }];
        const data: (number | null)[][] = [];
        for (const g of percent) {
          series.push({ label: g.name, scale: '%', stroke: colors[series.length % colors.length]!, width: 2, value: (_u, v) => pct(v) });
          data.push(g.months.map((m) => m.attainment));
        }
        for (const g of latency) {
          series.push({ label: g.name, scale: 'ms', stroke: colors[series.length % colors.length]!, width: 2, dash: [6, 4], value: (_u, v) => ms(v) });
          data.push(g.months.map((m) => m.attainment));
        }
        for (const m of trends.monitors) {
          series.push({ label: `${m.name} p95`, scale: 'ms', stroke: colors[series.length % colors.length]!, width: 1, value: (_u, v) => ms(v) });
          data.push(m.months.map((x) => x.p95));
        }
        return [
          {
            series,
            axes: [
              { ...axis, splits: () => xs, values: (_u, ticks) => ticks.map((t) => monthName(new Date(t * 1000).toISOString().slice(0, 7))) },
              { ...axis, scale: '%', values: (_u, ticks) => ticks.map((t) => `${t} %`), size: 60 },
              { ...axis, scale: 'ms', side: 1, grid: { show: false }, values: (_u, ticks) => ticks.map((t) => `${t} ms`), size: 70 },
            ],
            scales: {
              x: { time: true },
              '%': { range: (_u, min, max) => [Math.min(min, 99), Math.max(max, 100)] },
              ms: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] },
            },
            cursor: { drag: { x: false, y: false } },
          },
          [xs, ...data],
        ];
      }}
    />
  );
}

/** One goal's month: ✓ met or ✗ missed with its figure. */
function GoalCell({ goal, month }: { goal: Trends['goals'][number]; month: GoalMonth }) {
  const figure = month.attained ?? (goal.type === 'availability' ? pct(month.attainment) : goal.type === 'latency' ? ms(month.attainment) : '—');
  if (month.problem) return <td className="muted">{month.problem}</td>;
  if (month.met === null) return <td className="muted">{month.attained ?? 'no checks'}</td>;
  return (
    <td className={month.met ? 'trend-met' : 'trend-missed'}>
      <span aria-hidden="true">{month.met ? '✓' : '✗'}</span> <span className="sr-only">{month.met ? 'met' : 'missed'}</span> {figure}
    </td>
  );
}

/** One audit category's numeric scores over its runs, with its grades (A+ … F) in words. */
function AuditChart({ audit }: { audit: Trends['audits'][number] }) {
  const keys = [...new Set(audit.runs.flatMap((r) => Object.keys(r.scores)))].sort();
  const gradeKeys = [...new Set(audit.runs.flatMap((r) => Object.keys(r.grades)))].sort();
  const scoreText = keys.map((k) => {
    const values = audit.runs.map((r) => r.scores[k]).filter((v) => v !== undefined);
    return `${k} from ${values[0]} to ${values.at(-1)} (lowest ${Math.min(...values)})`;
  });
  const grades = gradeKeys.map((k) => `${k}: ${audit.runs.map((r) => r.grades[k] ?? '—').join(' → ')}`);
  return (
    <figure className="trend-audit" data-audit={audit.category}>
      <figcaption>
        <strong>{audit.category}</strong> · {audit.runs.length} runs{scoreText.length ? ` · score ${scoreText.join('; ')}` : ''}
        {grades.length ? <span className="muted small"> · grades {grades.join('; ')}</span> : null}
      </figcaption>
      {keys.length ? (
        <Plot
          height={120}
          deps={[audit]}
          label={`${audit.category} scores per run: ${scoreText.join('; ')}`}
          make={() => {
            const axis = axisStyle();
            return [
              {
                series: [{}, ...keys.map((k, i) => ({ label: k, stroke: colors[i % colors.length]!, width: 2, points: { show: true } }))],
                axes: [axis, { ...axis, size: 40 }],
                scales: { x: { time: true }, y: { range: [0, 100] } },
                cursor: { drag: { x: false, y: false } },
              },
              [audit.runs.map((r) => Date.parse(r.at) / 1000), ...keys.map((k) => audit.runs.map((r) => r.scores[k] ?? null))],
            ];
          }}
        />
      ) : null}
    </figure>
  );
}

/** The site's year: each goal met or missed month by month, response-time percentiles, audit scores over time. */
export function TrendsSection({ siteId }: { siteId: number }) {
  const trends = useLoad((signal) => api<Trends>(`/sites/${siteId}/trends?months=12`, { signal }), [siteId]);
  const t = trends.data;
  if (t && !t.goals.length && !t.audits.length && !t.monitors.some((m) => m.months.some((x) => x.checks))) return null;
  return (
    <section aria-label="Trends" className="trends">
      <h2>Trends</h2>
      <ErrorNote error={trends.error} />
      {t ? (
        <>
          <YearChart trends={t} />
          <div className="table-scroll" tabIndex={0} role="group" aria-label="Trends by month">
            <table className="objectives-table trends-table">
              <caption className="muted small">Calendar months in {t.timezone}; the month under way so far.</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  {t.goals.map((g) => (
                    <th scope="col" key={g.name} title={g.goal}>
                      {g.name}
                    </th>
                  ))}
                  {t.monitors.map((m) => (
                    <th scope="col" key={m.id}>
                      {m.name} p50 / p95 / p99
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.months.map((month, i) => (
                  <tr key={month.month} data-month={month.month}>
                    <th scope="row">
                      {monthName(month.month)}
                      {month.partial ? <span className="muted small"> (so far)</span> : null}
                    </th>
                    {t.goals.map((g) => (
                      <GoalCell key={g.name} goal={g} month={g.months[i]!} />
                    ))}
                    {t.monitors.map((m) => {
                      const x = m.months[i]!;
                      return <td key={m.id}>{x.checks ? `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)}` : 'no checks'}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {t.audits.map((a) => (
            <AuditChart key={a.category} audit={a} />
          ))}
        </>
      ) : null}
    </section>
  );
}
