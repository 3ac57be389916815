import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Outcome } from './result.js';
import type { WriterHealth } from './results-writer.js';

export interface EngineMetrics {
  checkFinished(type: string, outcome: Outcome, seconds: number): void;
  lateness(seconds: number): void;
  /** A finished check whose result could not be taken in (a bug; logged with the monitor). */
  recordFailed(): void;
}

/** The monitors' live state as the metrics need it; read at scrape time. */
export interface MonitorStates {
  each(fn: (m: { id: number; name: string; site: string; type: string; status: string }) => void): void;
  writer(): WriterHealth;
  now(): number;
}

/** Prometheus metrics of this process, in their own registry (served at /metrics). */
export function createMetrics(): { registry: Registry; engine: EngineMetrics; watch(states: MonitorStates): void } {
  const registry = new Registry();
  // The event-loop delay is sampled every 100 ms, not prom-client's 10 ms: a hundred wakings a second took an
  // idle node (20 monitors) from 17 to 25 ms of CPU a second; a stall long enough to matter still delays a sample.
  collectDefaultMetrics({ register: registry, prefix: 'upkeep_process_', eventLoopMonitoringPrecision: 100 });
  const checks = new Counter({
    name: 'upkeep_checks_total',
    help: 'Checks run, by monitor type and result.',
    labelNames: ['type', 'result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'upkeep_check_duration_seconds',
    help: 'How long checks took, by monitor type.',
    labelNames: ['type'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'upkeep_scheduler_lateness_seconds',
    help: 'How late checks started after their scheduled time.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const recordFailures = new Counter({
    name: 'upkeep_check_record_failures_total',
    help: 'Checks that finished but whose result could not be taken in (see the log for the monitor and the error).',
    registers: [registry],
  });
  return {
    registry,
    engine: {
      checkFinished: (type, outcome, seconds) => {
        checks.inc({ type, result: outcome });
        duration.observe({ type }, seconds);
      },
      lateness: (seconds) => lateness.observe(seconds),
      recordFailed: () => recordFailures.inc(),
    },
    watch(states) {
      new Gauge({
        name: 'upkeep_monitor_up',
        help: 'Whether each monitor is up (1: up or degraded, 0: down; pending, paused and maintenance are left out).',
        labelNames: ['monitor_id', 'monitor', 'site', 'type'],
        registers: [registry],
        collect() {
          this.reset();
          states.each((m) => {
            if (m.status === 'up' || m.status === 'degraded' || m.status === 'down') {
              this.set({ monitor_id: String(m.id), monitor: m.name, site: m.site, type: m.type }, m.status === 'down' ? 0 : 1);
            }
          });
        },
      });
      new Gauge({
        name: 'upkeep_monitors',
        help: 'Monitors by shown status.',
        labelNames: ['status'],
        registers: [registry],
        collect() {
          this.reset();
          const counts = new Map<string, number>();
          states.each((m) => counts.set(m.status, (counts.get(m.status) ?? 0) + 1));
          for (const [status, n] of counts) this.set({ status }, n);
        },
      });
      // Counters whose totals live in the writer: set from it at scrape time.
      const fromWriter = (name: string, help: string, read: (h: WriterHealth) => number) =>
        new Counter({
          name,
          help,
          registers: [registry],
          collect() {
            this.reset();
            this.inc(read(states.writer()));
          },
        });
      fromWriter('upkeep_results_written_total', 'Check results written to the database.', (h) => h.written);
      fromWriter('upkeep_results_write_failures_total', 'Batch writes of results the database did not take (retried).', (h) => h.failures);
      new Counter({
        name: 'upkeep_results_dropped_total',
        help: 'Buffered results and events given up: their monitor was deleted, the database refused them three times, or the buffer was full.',
        labelNames: ['reason'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [reason, n] of Object.entries(states.writer().dropped)) this.inc({ reason }, n);
        },
      });
      new Gauge({
        name: 'upkeep_results_pending',
        help: 'Results and events waiting to be written.',
        labelNames: ['kind'],
        registers: [registry],
        collect() {
          const h = states.writer();
          this.set({ kind: 'results' }, h.pendingResults);
          this.set({ kind: 'events' }, h.pendingEvents);
        },
      });
      new Gauge({
        name: 'upkeep_results_last_write_age_seconds',
        help: 'Seconds since the results writer last wrote all it could; grows while the database does not take writes.',
        registers: [registry],
        collect() {
          this.set((states.now() - states.writer().lastWriteAt) / 1000);
        },
      });
    },
  };
}
