import type { MonitorStateTable } from '../db/types.js';
import type { HeartbeatMemory } from './heartbeat.js';
import type { Health, MonitorState, Status } from './state-machine.js';

/** A monitor's state as a row of `monitor_state`, with the heartbeat's memory in `extra`. */
export function stateToRow(monitorId: number, state: MonitorState, memory: HeartbeatMemory, now: number): MonitorStateTable {
  return {
    monitor_id: monitorId,
    status: state.status,
    health: state.health,
    since: state.since,
    streak: state.streak,
    history: state.history,
    flapping: state.flapping ? 1 : 0,
    slow: state.slow ? 1 : 0,
    last_check_at: state.lastCheckAt,
    last_message: state.lastMessage,
    // Most monitors have no heartbeat memory and no slow note: no JSON to build per check.
    extra: state.slow || Object.keys(memory).length ? JSON.stringify({ ...memory, ...(state.slow ? { slow: state.slow } : {}) }) : '{}',
    updated_at: now,
  };
}

export function stateFromRow(row: MonitorStateTable): { state: MonitorState; memory: HeartbeatMemory } {
  const { slow, ...memory } = row.extra ? (JSON.parse(row.extra) as HeartbeatMemory & { slow?: string }) : {};
  return {
    state: {
      status: row.status as Status,
      health: row.health as Health,
      since: row.since,
      streak: row.streak,
      history: row.history,
      flapping: row.flapping === 1,
      slow: slow ?? null,
      lastCheckAt: row.last_check_at,
      lastMessage: row.last_message,
    },
    memory,
  };
}
