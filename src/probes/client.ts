import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { AppError, describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { httpRequest } from '../lib/net/index.js';
import { LocalDispatcher } from '../monitoring/checks/index.js';
import type { ProbeType, SpecOf } from '../monitoring/checks/check.js';
import { hostOf, retryIntervalOf } from '../monitoring/engine.js';
import { monitorSchema } from '../monitoring/monitor.schema.js';
import type { CheckResult } from '../monitoring/result.js';
import { Scheduler } from '../monitoring/scheduler.js';
import { ProbeJournal, type PendingResult } from './journal.js';
import type { Assignments } from './probes.schema.js';

export interface ProbeClientOptions {
  /** The Upkeep server, like https://upkeep.example.com. */
  server: string;
  token: string;
  location: string;
  version: string;
  clock: Clock;
  log: Logger;
  /** Private CAs trusted for the server (and for targets) besides the bundled ones. */
  ca?: readonly string[] | undefined;
  /** Whether checks may reach loopback and private addresses (a monitor's own allowPrivateTargets wins). */
  allowPrivateTargets?: boolean;
  resolvers?: readonly string[] | undefined;
  /** How often assignments are asked for (default 10 s; cheap: 304 while nothing changed). */
  pollMs?: number;
  /** How often results are sent (default 2 s). */
  sendMs?: number;
  /** Results kept while the server cannot be reached; beyond this the oldest are dropped, counted (default 100,000). */
  bufferCap?: number;
  /** Where unsent results are also written down (`ProbeJournal`), so a restart loses none; memory only without it. */
  journal?: string | undefined;
}

const BATCH = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * A probe: asks the server which monitors its location checks, runs them with the engine's scheduler
 * and check types (through the guarded client), and sends the results in batches, in order. While the
 * server cannot be reached it keeps checking and buffers (up to `bufferCap`, then the oldest go, counted
 * and logged), also on disk with a `journal`, then replays from the oldest; each result's run and number
 * let the server store a batch sent twice once. A refused token (revoked) ends the probe: `closed`
 * settles with the reason.
 */
export class ProbeClient {
  readonly run = randomBytes(12).toString('base64url');
  private seq = 0;
  private buffer: PendingResult[] = [];
  private readonly journal: ProbeJournal | undefined;
  /** Results that left the front of the buffer (sent or dropped) since the journal last wrote it down. */
  private consumed = 0;
  private readonly specs = new Map<number, SpecOf<ProbeType>>();
  private readonly scheduler: Scheduler;
  private readonly dispatcher: LocalDispatcher;
  private readonly userAgent: string;
  private etag: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private sending = false;
  private retryAt = 0;
  private backoff = 1_000;
  private stopped = false;
  /** Whether the cap is dropping results now (said once per outage). */
  private dropping = false;
  private settle!: (reason: string) => void;
  /** Settles when the probe stops: asked to, or its token was refused. */
  readonly closed = new Promise<string>((resolve) => (this.settle = resolve));
  /** Counts for tests and logs: results made, sent (acknowledged), dropped by the cap; found in the journal at start. */
  readonly counts = { made: 0, sent: 0, dropped: 0, recovered: 0 };
  /** Results the cap dropped in earlier runs that used the journal: the server is told the total, which restarts do not reset. */
  private droppedBefore = 0;

  constructor(private readonly options: ProbeClientOptions) {
    this.userAgent = `upkeep-probe/${options.version} (location ${options.location})`;
    if (options.journal) {
      this.journal = new ProbeJournal(options.journal);
      try {
        this.buffer = this.journal.load();
      } catch (err) {
        throw new AppError('invalid_config', `cannot keep unsent results in ${options.journal}: ${describeError(err)}`, { cause: err });
      }
      this.counts.recovered = this.buffer.length;
      this.droppedBefore = this.journal.dropped;
    }
    this.dispatcher = new LocalDispatcher({ resolvers: options.resolvers, ca: options.ca, userAgent: this.userAgent });
    this.scheduler = new Scheduler({
      concurrency: 256,
      perHost: 8,
      clock: options.clock,
      run: (id, due) => this.check(id, due),
      onError: (monitorId, err) => options.log.error({ monitorId, err }, 'a finished check could not be recorded'),
    });
  }

  /**
   * Fetches the assignments once, then keeps going. A server that cannot be reached yet is waited for
   * (a probe may start before it); one that refuses (a wrong token or location) fails here.
   */
  async start(): Promise<void> {
    for (let wait = 1_000; ; wait = Math.min(wait * 2, MAX_BACKOFF_MS)) {
      try {
        await this.poll();
        break;
      } catch (err) {
        if (err instanceof Refused || this.stopped) throw err;
        this.options.log.warn({ err: describeError(err), retryInMs: wait }, 'the server cannot be reached yet');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    this.scheduler.start();
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.options.log.warn({ err: describeError(err) }, 'probe step failed')), ms);
      this.timers.push(t);
    };
    every(this.options.pollMs ?? 10_000, () => this.poll());
    every(this.options.sendMs ?? 2_000, () => this.flush());
  }

  /** Stops checking, tries once to send what is buffered, and settles `closed`. */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.scheduler.stop();
    if (reason === 'stopped') await this.flush(true).catch(() => undefined);
    this.settle(reason);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Sends buffered results from the oldest, a batch at a time, until none is left or the server fails. */
  async flush(force = false): Promise<void> {
    if (this.sending) return;
    this.writeDown();
    if (!force && this.options.clock.now() < this.retryAt) return;
    this.sending = true;
    try {
      while (this.buffer.length) {
        // A batch is of one run: results found in the journal are sent as their own run's.
        const run = this.buffer[0]!.run;
        let size = 0;
        while (size < BATCH && size < this.buffer.length && this.buffer[size]!.run === run) size++;
        const batch = this.buffer.slice(0, size);
        const results = batch.map(({ run: _run, ...result }) => result);
        try {
          await this.call('POST', `/api/v1/probe/results?${this.healthQuery(this.buffer.length - size)}`, {
            run,
            location: this.options.location,
            version: this.options.version,
            results,
          });
        } catch (err) {
          this.retryAt = this.options.clock.now() + this.backoff;
          this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
          this.options.log.warn({ buffered: this.buffer.length, err: describeError(err) }, 'the server did not take the results; keeping them');
          return;
        }
        // Only now: a batch whose answer was lost is sent again, and the server skips what it has.
        this.buffer.splice(0, batch.length);
        this.consumed += batch.length;
        this.counts.sent += batch.length;
        this.backoff = 1_000;
        if (this.dropping) {
          this.options.log.warn({ dropped: this.counts.dropped }, 'the server takes results again; the oldest ones were dropped while it could not');
          this.dropping = false;
        }
        this.bound();
      }
    } finally {
      this.sending = false;
      this.bound();
      this.writeDown();
    }
  }

  /** Brings the journal up to date; a disk that fails is logged and the results stay in memory. */
  private writeDown(): void {
    if (!this.journal) return;
    try {
      this.journal.save(this.buffer, this.consumed, this.dropped);
      this.consumed = 0;
    } catch (err) {
      this.options.log.warn({ err: describeError(err), journal: this.journal.path }, 'could not write the unsent results down; they are kept in memory');
    }
  }

  /** Results the cap has dropped, this run's and (with a journal) the earlier runs'. */
  get dropped(): number {
    return this.droppedBefore + this.counts.dropped;
  }

  /** How the buffer stands, for the server (`probeHealthQuery`): `backlog` results still waiting, and those dropped. */
  private healthQuery(backlog: number): string {
    return `backlog=${backlog}&dropped=${this.dropped}`;
  }

  private async poll(): Promise<void> {
    // Each poll also says how the buffer stands, so the server sees it while there is nothing to send.
    const answer = await this.call(
      'GET',
      `/api/v1/probe/assignments?location=${encodeURIComponent(this.options.location)}&${this.healthQuery(this.buffer.length)}`,
    );
    if (!answer) return;
    const { monitors, version } = answer as Assignments;
    const seen = new Set<number>();
    for (const m of monitors) {
      const parsed = monitorSchema.safeParse(m.spec);
      if (!parsed.success || parsed.data.type === 'heartbeat') {
        this.options.log.warn({ monitorId: m.id }, 'skipped a monitor this probe cannot read (an older probe version?)');
        continue;
      }
      const spec = parsed.data;
      seen.add(m.id);
      const before = this.specs.get(m.id);
      this.specs.set(m.id, spec);
      if (!before || before.interval !== spec.interval || hostOf(before) !== hostOf(spec) || !this.scheduler.has(m.id))
        this.scheduler.upsert(m.id, spec.interval, hostOf(spec));
    }
    for (const id of [...this.specs.keys()]) {
      if (seen.has(id)) continue;
      this.specs.delete(id);
      this.scheduler.remove(id);
    }
    this.etag = version;
    this.options.log.info({ monitors: seen.size }, 'assignments updated');
  }

  private async check(monitorId: number, due: number): Promise<void> {
    const spec = this.specs.get(monitorId);
    if (!spec) return;
    const started = this.options.clock.now();
    const abort = new AbortController();
    const backstop = setTimeout(() => abort.abort(new Error(`the check ignored its ${spec.timeout} ms timeout`)), spec.timeout + 1_000);
    let result: CheckResult;
    try {
      result = await this.dispatcher.runSpec(spec, spec.allowPrivateTargets ?? this.options.allowPrivateTargets ?? false, abort.signal);
    } catch (err) {
      result = { status: 'down', message: `the check could not run: ${describeError(err)}` };
    } finally {
      clearTimeout(backstop);
    }
    if (this.stopped || !this.specs.has(monitorId)) return;
    this.keep({
      run: this.run,
      seq: ++this.seq,
      monitorId,
      at: Math.max(started, due),
      status: result.status,
      message: result.message.slice(0, 1_000),
      ...(result.durationMs === undefined ? {} : { durationMs: Math.round(result.durationMs) }),
      ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
    });
    // A failure is looked at again sooner, as the engine confirms one.
    if (result.status === 'down') this.scheduler.runAt(monitorId, this.options.clock.now() + retryIntervalOf(spec));
  }

  private keep(result: PendingResult): void {
    this.buffer.push(result);
    this.counts.made++;
    // Not while a batch is on its way: it is the buffer's front, and what is sent is taken off by count.
    if (!this.sending) this.bound();
  }

  /** Past the cap, the oldest results go (counted, and said once per outage). */
  private bound(): void {
    const cap = this.options.bufferCap ?? 100_000;
    const over = this.buffer.length - cap;
    if (over <= 0) return;
    this.buffer.splice(0, over);
    this.consumed += over;
    this.counts.dropped += over;
    if (this.dropping) return;
    this.dropping = true;
    this.options.log.error({ cap }, 'the buffer of unsent results is full: the oldest are dropped (and counted) until the server takes results again');
  }

  /** One request to the server through the guarded client, TLS verified. Answers the JSON, or null for 304. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, 'user-agent': this.userAgent, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'GET' && this.etag) headers['if-none-match'] = this.etag;
    const res = await httpRequest(new URL(path, this.options.server).href, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // The server is the operator's own choice, often on a private network: not a target to guard against.
      policy: { allowPrivate: true },
      deadlineMs: 30_000,
      maxRedirects: 0,
      maxBodyBytes: 64 * 1024 * 1024,
      tls: { verify: true, ...(this.options.ca ? { ca: this.options.ca } : {}) },
    });
    if (res.status === 304) return null;
    const text = res.body.toString('utf8');
    if (res.status === 401) {
      const reason = `the server refused the probe token: ${errorMessage(text)}`;
      this.options.log.error({ status: res.status }, reason);
      void this.stop(reason);
      throw new Refused(reason);
    }
    // Refused for good (a wrong location, a bad request): trying again will not help.
    if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new Refused(`the server answered ${res.status}: ${errorMessage(text)}`);
    if (res.status >= 300) throw new Error(`the server answered ${res.status}: ${errorMessage(text)}`);
    if (res.bodyTruncated) throw new Error('the server’s answer is larger than 64 MiB');
    return JSON.parse(text) as unknown;
  }
}

/** The server refused a request for good (its token, its location, its input). */
class Refused extends Error {}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
