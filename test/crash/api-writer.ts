import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/types.js';
import type { TestServer } from '../fixtures/servers.js';
import type { apiClient } from '../support/process.js';
import { sleep } from '../support/receivers.js';

type Between = (min: number, max: number) => number;

interface TrackedMonitor {
  name: string;
  /** 'maybe': a delete was sent and got no answer (the process died): it may or may not have happened. */
  deleted: 'no' | 'maybe' | 'yes';
  /** The interval the API last acknowledged, and those sent since without an answer. */
  interval: number;
  unanswered: Set<number>;
}

const INTERVALS = [20, 30, 40, 50];

/**
 * A client doing ordinary API writes against whichever server process is up: creates sites and
 * monitors, changes intervals, deletes monitors, and runs a check then deletes its monitor (the
 * path that once stopped the results writer). It remembers every write the API acknowledged (2xx),
 * and what an unanswered write may have done, to check the database against at the end.
 */
export class ApiWriter {
  private running = true;
  private done: Promise<void> = Promise.resolve();
  private n = 0;
  private readonly sites = new Map<string, number>();
  private readonly monitors = new Map<number, TrackedMonitor>();
  /** Writes the API answered with 2xx. */
  acknowledged = 0;

  constructor(
    private readonly api: ReturnType<typeof apiClient>,
    private readonly target: TestServer,
    private readonly between: Between,
  ) {}

  run(): Promise<void> {
    this.done = this.loop();
    return this.done;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const answered = await this.step();
      await sleep(answered ? this.between(0, 40) : 50);
    }
  }

  /** One write; false when no server answered. */
  private async step(): Promise<boolean> {
    const roll = this.between(1, 100);
    const sites = [...this.sites.values()];
    const live = [...this.monitors].filter(([, m]) => m.deleted === 'no');
    const pick = <T>(list: readonly T[]) => list[this.between(0, list.length - 1)]!;
    if (roll <= 25 || !sites.length) {
      const name = `crash site ${this.n++}`;
      const res = await this.api('POST', '/sites', { name, tags: ['crash'] });
      if (res.status === 201) this.ack(() => this.sites.set(name, (res.body as { id: number }).id));
      return res.status !== 0;
    }
    if (roll <= 55 || !live.length) {
      const name = `crash monitor ${this.n++}`;
      const interval = pick(INTERVALS);
      const body = { name, type: 'http', url: this.target.url(`/api/${this.n}`), interval: `${interval}s`, timeout: '2s' };
      const res = await this.api('POST', `/sites/${pick(sites)}/monitors`, body);
      if (res.status === 201) this.ack(() => this.monitors.set((res.body as { id: number }).id, { name, deleted: 'no', interval, unanswered: new Set() }));
      return res.status !== 0;
    }
    const [id, monitor] = pick(live);
    if (roll <= 75) {
      const interval = pick(INTERVALS);
      const res = await this.api('PATCH', `/monitors/${id}`, { interval: `${interval}s` });
      if (res.status === 200) this.ack(() => ((monitor.interval = interval), monitor.unanswered.clear()));
      else if (res.status === 0) monitor.unanswered.add(interval);
      return res.status !== 0;
    }
    // Run its check first now and then: the delete then lands while the result waits to be written.
    if (roll > 90 && (await this.api('POST', `/monitors/${id}/check`)).status === 202) await sleep(this.between(50, 900));
    const res = await this.api('DELETE', `/monitors/${id}`);
    // 404: an earlier delete that got no answer did happen.
    if (res.status === 204 || res.status === 404) this.ack(() => (monitor.deleted = 'yes'));
    else if (res.status === 0) monitor.deleted = 'maybe';
    return res.status !== 0;
  }

  private ack(remember: () => unknown): void {
    remember();
    this.acknowledged++;
  }

  /** Acknowledged writes the database does not show; empty when none was lost. */
  async missing(db: Kysely<Database>): Promise<string[]> {
    const problems: string[] = [];
    const sites = new Set((await db.selectFrom('sites').select('name').execute()).map((s) => s.name));
    for (const name of this.sites.keys()) if (!sites.has(name)) problems.push(`site "${name}" was created (201) but is missing`);
    const rows = new Map((await db.selectFrom('monitors').select(['id', 'interval_ms']).execute()).map((m) => [m.id, m.interval_ms]));
    for (const [id, m] of this.monitors) {
      if (m.deleted === 'yes' && rows.has(id)) problems.push(`monitor ${id} was deleted (204) but is still there`);
      if (m.deleted !== 'no') continue;
      const interval = rows.get(id);
      if (interval === undefined) problems.push(`monitor ${id} "${m.name}" was created (201) but is missing`);
      else if (interval !== m.interval * 1000 && !m.unanswered.has(interval! / 1000))
        problems.push(`monitor ${id} has interval ${interval} ms; the API acknowledged ${m.interval} s`);
    }
    return problems;
  }
}
