import type { Outcome, RecordedResult } from './result.js';

/**
 * The up/down state machine of one monitor, as pure functions: what the checks say (`health`)
 * changes only after `downAfter` failures or `upAfter` successes in a row; what is shown
 * (`status`) is health, or paused / maintenance over it. Flapping is measured Nagios-style: the
 * weighted share of state changes over the last 21 outcomes, starting at 20 % and ending at 5 %.
 */
export type Health = 'pending' | Outcome;
export type Status = Health | 'paused' | 'maintenance';

export interface MonitorState {
  status: Status;
  health: Health;
  /** When `status` last changed. */
  since: number;
  /** How many of the latest outcomes in a row equal the last one. */
  streak: number;
  /** The latest outcomes, oldest first: u up, g degraded, d down. */
  history: string;
  flapping: boolean;
  /** Set by the baseline: latency well above this monitor's usual; shown as degraded while up. */
  slow: string | null;
  lastCheckAt: number | null;
  lastMessage: string | null;
}

export interface Thresholds {
  downAfter: number;
  upAfter: number;
}

export interface Conditions {
  paused: boolean;
  maintenance: boolean;
}

export type EventKind = 'status' | 'flapping_started' | 'flapping_stopped';

export interface StateEvent {
  kind: EventKind;
  at: number;
  from: Status | null;
  to: Status | null;
  message: string;
  /** The results that made the change, newest last. */
  evidence: Evidence[];
}

export interface Evidence {
  at: number;
  status: Outcome;
  message: string;
  statusCode?: number | undefined;
  durationMs?: number | undefined;
}

export const FLAP_WINDOW = 21;
const FLAP_START = 20;
const FLAP_STOP = 5;
const letter: Record<Outcome, string> = { up: 'u', degraded: 'g', down: 'd' };

export function initialState(now: number): MonitorState {
  return { status: 'pending', health: 'pending', since: now, streak: 0, history: '', flapping: false, slow: null, lastCheckAt: null, lastMessage: null };
}

/** Nagios's weighted percent state change: newer changes weigh up to 1.2, older down to 0.8. */
export function flapPercent(history: string): number {
  const transitions = history.length - 1;
  if (transitions < 1) return 0;
  let sum = 0;
  for (let i = 0; i < transitions; i++) {
    if (history[i] !== history[i + 1]) sum += transitions === 1 ? 1 : 0.8 + (0.4 * i) / (transitions - 1);
  }
  return (100 * sum) / transitions;
}

/** What a monitor would show under these conditions; cheap, so callers can skip work when nothing changes. */
export function shownStatus(state: Pick<MonitorState, 'health' | 'slow'>, c: Conditions): Status {
  return shown(state.health, state.slow, c);
}

function shown(health: Health, slow: string | null, c: Conditions): Status {
  if (c.paused) return 'paused';
  if (c.maintenance) return 'maintenance';
  return health === 'up' && slow ? 'degraded' : health;
}

function describe(to: Status, state: MonitorState, last: Evidence | undefined): string {
  if (to === 'paused') return 'paused';
  if (to === 'maintenance') return 'in a maintenance window';
  if (to === 'degraded' && state.slow && state.health === 'up') return `slower than usual: ${state.slow}`;
  if (to === 'down' && state.streak > 1) return `${last?.message ?? 'down'} (${state.streak} checks in a row)`;
  return last?.message ?? to;
}

/** Moves the shown status after a change of health or conditions, with an event when it differs. */
function settle(state: MonitorState, c: Conditions, at: number, events: StateEvent[], evidence: readonly Evidence[]): MonitorState {
  const to = shown(state.health, state.slow, c);
  if (to === state.status) return state;
  events.push({
    kind: 'status',
    at,
    from: state.status,
    to,
    message: describe(to, state, evidence.at(-1)),
    evidence: evidence.map(({ at: t, status, message, statusCode, durationMs }) => ({ at: t, status, message, statusCode, durationMs })),
  });
  return { ...state, status: to, since: at };
}

/**
 * Feeds one result in. `recent` holds this monitor's latest results (this one last) as evidence,
 * kept by the caller.
 */
export function applyResult(
  state: MonitorState,
  result: RecordedResult,
  t: Thresholds,
  c: Conditions,
  recent: readonly Evidence[],
): { state: MonitorState; events: StateEvent[] } {
  const events: StateEvent[] = [];
  const last = state.history.at(-1);
  const streak = last === letter[result.status] ? state.streak + 1 : 1;
  const appended = (state.history + letter[result.status]).slice(-FLAP_WINDOW);
  // A full, unchanged history (a steady monitor) keeps its string: one less object per check that lives an interval.
  const history = appended === state.history ? state.history : appended;
  let next: MonitorState = { ...state, streak, history, lastCheckAt: result.at, lastMessage: result.message };

  const pct = flapPercent(history);
  if (!state.flapping && history.length === FLAP_WINDOW && pct >= FLAP_START) {
    next.flapping = true;
    events.push({
      kind: 'flapping_started',
      at: result.at,
      from: null,
      to: null,
      message: `flapping: ${Math.round(pct)} % of recent checks changed state`,
      evidence: [],
    });
  } else if (state.flapping && pct <= FLAP_STOP) {
    next.flapping = false;
    events.push({
      kind: 'flapping_stopped',
      at: result.at,
      from: null,
      to: null,
      message: `stable again: ${Math.round(pct)} % of recent checks changed state`,
      evidence: [],
    });
  }

  const needed = result.status === 'up' || (result.status === 'degraded' && state.health === 'down') ? t.upAfter : t.downAfter;
  // A new monitor shows up at once; bad news always waits for confirmation.
  const confirmed = streak >= needed || (state.health === 'pending' && result.status === 'up');
  if (confirmed && state.health !== result.status) next = { ...next, health: result.status };
  next = settle(next, c, result.at, events, recent.slice(-Math.max(streak, 1)));
  return { state: next, events };
}

/** Applies a change of conditions (paused, maintenance) or of the slow flag without a new result. */
export function applyConditions(
  state: MonitorState,
  c: Conditions,
  at: number,
  recent: readonly Evidence[],
  slow: string | null = state.slow,
): { state: MonitorState; events: StateEvent[] } {
  const events: StateEvent[] = [];
  const next = settle({ ...state, slow }, c, at, events, recent.slice(-1));
  return { state: next, events };
}

/** True while a failure is being confirmed: the next check should come after the quicker retry interval. */
export function isConfirming(state: MonitorState): boolean {
  return state.history.at(-1) === 'd' && state.health !== 'down';
}
