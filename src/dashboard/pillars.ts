import type { MonitorState } from '../monitoring/state-machine.js';
import type { Monitor } from '../sites/sites.service.js';
import type { UpdatesSummary } from '../updates/summary.js';
import type { LatestAudit } from './dashboard.repository.js';

/** How one pillar of a site is doing; `not_set_up` says what is missing to know. */
export type PillarState = 'good' | 'warning' | 'bad' | 'unknown' | 'not_set_up';

export interface Pillar {
  state: PillarState;
  /** One line for the portfolio: "3 of 3 up · 99.98 % (24h)". */
  summary: string;
}

export const pillarNames = ['uptime', 'speed', 'security', 'privacy', 'updates', 'backups'] as const;
export type PillarName = (typeof pillarNames)[number];

export interface SiteMonitor {
  monitor: Monitor;
  state: MonitorState;
  figures: { checks: number; uptime: number | null; avgLatency: number | null } | undefined;
}

/**
 * Heartbeats named "Backup: …" (and the "Restore drill: …" and "Repository check: …" that backup
 * jobs of upkeep.yaml make, src/backups/heartbeats.ts) report on backups, not on uptime.
 */
export const isBackup = (m: Monitor) => m.spec.type === 'heartbeat' && /^(backup|restore drill|repository check)\s*:/i.test(m.spec.name);

const percent = (v: number) => `${v >= 99.995 ? '100' : v.toFixed(2)} %`;
const notSetUp = (summary: string): Pillar => ({ state: 'not_set_up', summary });
const parse = (json: string) => JSON.parse(json) as Record<string, unknown>;

export function uptimePillar(monitors: readonly SiteMonitor[]): Pillar {
  if (!monitors.length) return notSetUp('no monitors');
  const count = (s: string) => monitors.filter((m) => m.state.status === s).length;
  const active = monitors.filter((m) => m.state.status !== 'paused');
  let checks = 0;
  let upChecks = 0;
  for (const m of monitors) {
    if (!m.figures?.checks || m.figures.uptime === null) continue;
    checks += m.figures.checks;
    upChecks += (m.figures.checks * m.figures.uptime) / 100;
  }
  const ratio = checks ? ` · ${percent((100 * upChecks) / checks)} (24h)` : '';
  const down = count('down');
  const degraded = count('degraded');
  if (down) return { state: 'bad', summary: `${down} of ${monitors.length} down${ratio}` };
  if (degraded) return { state: 'warning', summary: `${degraded} of ${monitors.length} degraded${ratio}` };
  if (!active.length) return { state: 'unknown', summary: `${monitors.length} paused` };
  const up = count('up');
  if (!up) return { state: 'unknown', summary: `no checks yet${ratio}` };
  return { state: 'good', summary: `${up} of ${monitors.length} up${ratio}` };
}

/**
 * Speed: the checks' average latency over 24 h (thresholds after common "fast / needs work / slow"
 * bands for a full HTTP response), and the newest Lighthouse performance score, which decides when present.
 */
export function speedPillar(monitors: readonly SiteMonitor[], audit: LatestAudit | undefined): Pillar {
  const http = monitors.filter((m) => m.monitor.spec.type === 'http');
  let n = 0;
  let sum = 0;
  for (const m of http) {
    if (!m.figures?.checks || m.figures.avgLatency === null) continue;
    n += m.figures.checks;
    sum += m.figures.checks * m.figures.avgLatency;
  }
  const score = audit ? (parse(audit.scores).performance as number | undefined) : undefined;
  if (!http.length && score === undefined) return notSetUp('no HTTP monitor or performance audit');
  const parts = [n ? `avg ${Math.round(sum / n)} ms (24h)` : null, score === undefined ? null : `Lighthouse ${score}`].filter(Boolean);
  if (!parts.length) return { state: 'unknown', summary: 'no checks yet' };
  const slow = http.some((m) => m.state.slow);
  const state =
    score !== undefined ? (score >= 90 ? 'good' : score >= 50 ? 'warning' : 'bad') : sum / n < 800 && !slow ? 'good' : sum / n < 2_000 ? 'warning' : 'bad';
  return { state, summary: parts.join(' · ') + (slow ? ' · slower than usual' : '') };
}

const gradeState = (grade: string): Pillar['state'] => (/^A/.test(grade) ? 'good' : /^[BC]/.test(grade) ? 'warning' : 'bad');

export function securityPillar(hasUrl: boolean, audit: LatestAudit | undefined): Pillar {
  if (!audit) return hasUrl ? { state: 'unknown', summary: 'no audit yet' } : notSetUp('the site has no URL to audit');
  const grades = parse(audit.grades) as Record<string, string>;
  const scores = parse(audit.scores) as Record<string, number>;
  const shown = [
    grades.security ? `headers ${grades.security}${scores.security === undefined ? '' : ` (${scores.security})`}` : null,
    grades.tls ? `TLS ${grades.tls}` : null,
  ].filter(Boolean);
  if (!shown.length) return { state: 'unknown', summary: 'the last security audit could not grade the site' };
  const worst = [grades.security, grades.tls].filter((g): g is string => Boolean(g)).map(gradeState);
  const state = worst.includes('bad') ? 'bad' : worst.includes('warning') ? 'warning' : 'good';
  return { state, summary: shown.join(' · ') };
}

export function privacyPillar(hasUrl: boolean, audit: LatestAudit | undefined): Pillar {
  if (!audit) return hasUrl ? { state: 'unknown', summary: 'no audit yet' } : notSetUp('the site has no URL to audit');
  const score = parse(audit.scores).privacy as number | undefined;
  if (score === undefined) return { state: 'unknown', summary: 'the last privacy audit could not score the site' };
  return { state: score >= 90 ? 'good' : score >= 50 ? 'warning' : 'bad', summary: `privacy score ${score}` };
}

/**
 * Software: the newest inventories' outdated, vulnerable and end-of-life components. A high or
 * critical vulnerability, or software past its end of life, is bad; anything else known to be
 * vulnerable or behind is a warning.
 */
export function updatesPillar(summary: UpdatesSummary | undefined): Pillar {
  if (!summary) return notSetUp('no inventory yet (upkeep inventory, or updates plan)');
  const parts = [
    summary.outdated ? `${summary.outdated} outdated` : '',
    summary.vulnerable ? `${summary.vulnerable} vulnerable (worst: ${summary.worst ?? 'unknown'})` : '',
    summary.endOfLife ? `${summary.endOfLife} end of life` : '',
  ].filter(Boolean);
  if (!parts.length) return { state: 'good', summary: `${summary.components} components, none known outdated or vulnerable` };
  const bad = summary.endOfLife > 0 || summary.worst === 'high' || summary.worst === 'critical';
  return { state: bad ? 'bad' : 'warning', summary: parts.join(' · ') };
}

export function backupsPillar(backups: readonly SiteMonitor[], now: number): Pillar {
  if (!backups.length) return notSetUp('no "Backup: …" heartbeat');
  const down = backups.filter((b) => b.state.status === 'down');
  if (down.length) return { state: 'bad', summary: `${down.length} of ${backups.length} missed or failed` };
  const last = Math.max(...backups.map((b) => b.state.lastCheckAt ?? 0));
  if (!last) return { state: 'unknown', summary: 'no ping yet' };
  return { state: 'good', summary: `${backups.length} ok · last ping ${ago(now - last)}` };
}

function ago(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return 'just now';
  if (m < 120) return `${m} min ago`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} days ago`;
}
