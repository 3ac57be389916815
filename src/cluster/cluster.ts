import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database, MonitorStateTable } from '../db/types.js';
import type { LiveEvent } from '../http/live.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { coalesced } from '../lib/coalesce.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import type { ForwardedRequest, MonitorShare } from '../monitoring/engine.js';
import { ClusterRepository } from './cluster.repository.js';
import { CHANNEL, ClusterConnection } from './connection.js';
import { clusterJobs, stopJobs, type Coordinator, type Job, type JobName } from './jobs.js';
import { ownerOf } from './rendezvous.js';

/** The tables whose writes the database tells every node of (migration 0620-change-notices). */
export type ChangedTable = 'monitors' | 'sites' | 'config_objects' | 'status_pages' | 'incidents' | 'incident_updates';

/**
 * What one node tells the others: live events, that who may see what changed (its streams check their
 * callers again), the monitors' states it wrote (the others take them from the message instead of polling;
 * a state too long for one is named by id and read),
 * pings or "check now" that reached a node other than the monitor's, and that it joined or left (the
 * others read the membership at once). The database itself says which table was written (`changed`).
 */
export type ClusterMessage =
  | { type: 'live'; event: LiveEvent }
  | { type: 'access' }
  | { type: 'states'; states: MonitorStateTable[]; ids: number[] }
  | { type: 'members' }
  | { type: 'changed'; table: ChangedTable }
  | ForwardedRequest;

export interface ClusterOptions {
  nodeId: string;
  leaseMs: number;
  version: string;
  /**
   * How often the lease is renewed, membership is read and free jobs are tried (default a third of the
   * lease: a dead node's share is taken up within a lease and a third; a node that joins or leaves says so).
   */
  tickMs?: number;
  /** How long a joining node waits for the others to notice it and write what they checked (default 2.5 s). */
  settleMs?: number;
}

/** NOTIFY carries up to 8000 bytes. */
const MAX_PAYLOAD = 7_900;
/** Monitor ids per `states` message: 11 characters each at most (10 digits and a comma), well inside a payload. */
const IDS_PER_MESSAGE = 600;
/** Room in a `states` message for the states themselves (its envelope, with a node id of at most 63 characters, is under 100 bytes). */
const STATES_BYTES = MAX_PAYLOAD - 100;

/**
 * One node of a cluster on PostgreSQL. Membership is a row per node with a lease on the database's
 * clock; the monitors are shared by rendezvous hashing over the live nodes (so a check needs no
 * coordination); each cluster-wide job runs where its session advisory lock is held; nodes tell each
 * other live events and forwarded requests with NOTIFY.
 */
export class Cluster implements Coordinator, MonitorShare {
  readonly nodeId: string;
  private readonly instance = randomUUID();
  /** How every message this node sends begins. */
  private readonly ownPrefix: string;
  private readonly repo: ClusterRepository;
  private readonly connection: ClusterConnection;
  private nodes: readonly string[] = [];
  private readonly owned = new Map<number, boolean>();
  private lastRenewed = -Infinity;
  private readonly jobs = new Map<JobName, Job>();
  private readonly running = new Map<JobName, Job>();
  private readonly membershipListeners: (() => void)[] = [];
  private readonly messageListeners: ((message: ClusterMessage) => void)[] = [];
  private readonly reconnectListeners: (() => void)[] = [];
  private ticking: Repeating | undefined;
  private competing = false;
  /** Reads the membership and tries the free jobs; never twice at once (a job's lock is taken once). */
  private readonly look = coalesced(async () => {
    await this.readMembership();
    await this.compete();
  });
  /** When this node's lease was seen fresh again after it had run out. */
  private backSince: number | undefined;

  constructor(
    db: Kysely<Database>,
    open: (applicationName: string) => pg.Client,
    private readonly options: ClusterOptions,
    private readonly log: Logger,
  ) {
    this.nodeId = options.nodeId;
    this.ownPrefix = `{"from":${JSON.stringify(options.nodeId)},`;
    this.repo = new ClusterRepository(db);
    this.connection = new ClusterConnection(
      () => open(`upkeep:${this.nodeId}`),
      { message: (payload) => this.received(payload), lost: () => void this.stopRunning() },
      log,
    );
  }

  /** The live nodes, sorted (this one among them while its lease is fresh). */
  get liveNodes(): readonly string[] {
    return this.nodes;
  }

  owns(monitorId: number): boolean {
    let mine = this.owned.get(monitorId);
    if (mine === undefined) this.owned.set(monitorId, (mine = ownerOf(monitorId, this.nodes) === this.nodeId));
    return mine;
  }

  leads(job: JobName): boolean {
    return this.connection.holds(job);
  }

  add(name: JobName, job: Job): void {
    this.jobs.set(name, job);
  }

  /** Called when the live nodes change (this node's share changed). */
  onMembershipChange(listener: () => void): void {
    this.membershipListeners.push(listener);
  }

  onMessage(listener: (message: ClusterMessage) => void): void {
    this.messageListeners.push(listener);
  }

  /** Called when the cluster connection is back after it was lost (messages sent meanwhile never reached this node). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /**
   * Tells the other nodes the monitors' states this node is writing, inside the transaction that writes
   * them: PostgreSQL delivers the messages when (and only if) the states are committed. The states travel
   * in the messages (about 30 to a message), so a follower reads nothing per check; a state too long to
   * fit (a heartbeat's long memory) is named by its id and read by the others.
   */
  async tellStates(trx: Kysely<Database>, states: readonly MonitorStateTable[]): Promise<void> {
    const payloads: string[] = [];
    const tooLong: number[] = [];
    const envelope = (parts: readonly string[], ids: readonly number[]) =>
      `${this.ownPrefix}"type":"states","states":[${parts.join(',')}],"ids":${JSON.stringify(ids)}}`;
    let parts: string[] = [];
    let bytes = 0;
    for (const state of states) {
      const json = JSON.stringify(state);
      const size = Buffer.byteLength(json) + 1;
      if (size > STATES_BYTES) tooLong.push(state.monitor_id);
      else {
        if (bytes + size > STATES_BYTES) {
          payloads.push(envelope(parts, []));
          parts = [];
          bytes = 0;
        }
        parts.push(json);
        bytes += size;
      }
    }
    if (parts.length) payloads.push(envelope(parts, []));
    for (let i = 0; i < tooLong.length; i += IDS_PER_MESSAGE) payloads.push(envelope([], tooLong.slice(i, i + IDS_PER_MESSAGE)));
    await new ClusterRepository(trx).notify(CHANNEL, ...payloads);
  }

  forward(request: ForwardedRequest): void {
    // A ping's body (its job's output, up to 10,000 characters) is shortened to fit NOTIFY: the ping itself counts.
    let fitted = request;
    while (fitted.type === 'ping' && fitted.body && Buffer.byteLength(JSON.stringify(fitted)) > MAX_PAYLOAD - 100)
      fitted = { ...fitted, body: fitted.body.slice(0, Math.floor(fitted.body.length / 2)) };
    this.broadcast(fitted);
  }

  /** Tells the other nodes; a message that cannot be sent is logged, never thrown at the caller. */
  broadcast(message: ClusterMessage): void {
    const payload = JSON.stringify({ from: this.nodeId, ...message });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
      this.log.warn({ type: message.type }, 'a cluster message is too long for NOTIFY; it is not sent');
      return;
    }
    this.repo.notify(CHANNEL, payload).catch((err: unknown) => this.log.warn({ err }, 'telling the other nodes failed'));
  }

  async join(): Promise<void> {
    if (!(await this.repo.join({ id: this.nodeId, instance: this.instance, version: this.options.version }, this.options.leaseMs)))
      throw new AppError(
        'conflict',
        `another live Upkeep process is node "${this.nodeId}" of this cluster; give every node its own cluster.nodeId (or wait ${this.options.leaseMs / 1000} s after it died)`,
      );
    this.lastRenewed = performance.now();
    await this.tellMembers();
    await this.readMembership();
    // The others drop this node's share when they hear of it; meanwhile they may still check it.
    if (this.nodes.length > 1) await new Promise((resolve) => setTimeout(resolve, this.options.settleMs ?? 2_500));
    await this.readMembership();
    await this.connection.connect().catch((err: unknown) => this.log.warn({ err }, 'cannot open the cluster connection yet'));
    this.ticking = repeat(this.options.tickMs ?? this.options.leaseMs / 3, () => this.tick(), { log: this.log, what: 'cluster housekeeping' });
    this.log.info({ nodes: this.nodes }, 'joined the cluster');
  }

  async start(): Promise<void> {
    this.competing = true;
    await this.look();
  }

  async stop(names?: readonly JobName[]): Promise<void> {
    if (names) return stopJobs(this.running, names);
    this.competing = false;
    await this.ticking?.stop();
    await stopJobs(this.running);
    await this.connection.close();
    try {
      await this.repo.leave(this.nodeId, this.instance);
    } catch (err) {
      this.log.warn({ err }, 'could not leave the cluster; the lease runs out');
      return;
    }
    await this.tellMembers();
  }

  /** Tells the others to read the membership now (this node joined or left) rather than at their next tick. */
  private async tellMembers(): Promise<void> {
    await this.repo
      .notify(CHANNEL, JSON.stringify({ from: this.nodeId, type: 'members' }))
      .catch((err: unknown) => this.log.warn({ err }, 'could not tell the other nodes that the membership changed; they read it at their next tick'));
  }

  private async tick(): Promise<void> {
    try {
      await this.renew();
      if (!this.connection.connected) {
        await this.connection.connect();
        for (const listener of this.reconnectListeners) listener();
      }
      await this.look();
    } catch (err) {
      this.log.warn({ err }, 'cluster housekeeping failed');
      // A node that cannot renew its lease is no longer live: it checks nothing and the others take over.
      if (performance.now() - this.lastRenewed >= this.options.leaseMs) this.setNodes([]);
    }
  }

  private async renew(): Promise<void> {
    const ok =
      (await this.repo.renew(this.nodeId, this.instance, this.options.leaseMs)) ||
      (await this.repo.join({ id: this.nodeId, instance: this.instance, version: this.options.version }, this.options.leaseMs));
    if (!ok) throw new AppError('conflict', `another process took node id "${this.nodeId}" while this one's lease had run out`);
    this.lastRenewed = performance.now();
  }

  private async readMembership(): Promise<void> {
    const live = await this.repo.live();
    const listed = live.includes(this.nodeId);
    // Back after its lease ran out (a stall, a cut-off): the others still check its share until they read the
    // list again, so it waits as a joining node does before taking it back.
    if (!listed) this.backSince = undefined;
    else if (!this.nodes.includes(this.nodeId) && this.nodes.length > 0) this.backSince ??= performance.now();
    const settling = this.backSince !== undefined && performance.now() - this.backSince < (this.options.settleMs ?? 2_500);
    if (!settling) this.backSince = undefined;
    this.setNodes(settling ? live.filter((n) => n !== this.nodeId) : live);
  }

  private setNodes(nodes: readonly string[]): void {
    if (nodes.join('\n') === this.nodes.join('\n')) return;
    this.log.info({ nodes }, 'cluster membership changed');
    this.nodes = nodes;
    this.owned.clear();
    for (const listener of this.membershipListeners) listener();
  }

  /** Takes the lock of every job no node holds (one query for all), and starts the jobs that have one here. */
  private async compete(): Promise<void> {
    if (!this.competing) return;
    const free = clusterJobs.filter((name) => !this.connection.holds(name));
    for (const name of await this.connection.tryLock(free)) {
      this.log.info({ job: name }, 'this node leads a cluster-wide job');
      const job = this.jobs.get(name);
      if (!job) continue;
      try {
        await job.start();
        this.running.set(name, job);
      } catch (err) {
        this.log.error({ err, job: name }, 'a cluster-wide job failed to start');
      }
    }
  }

  private async stopRunning(): Promise<void> {
    await stopJobs(this.running).catch((err: unknown) => this.log.error({ err }, 'stopping cluster-wide jobs failed'));
  }

  private received(payload: string): void {
    // PostgreSQL hands a node its own messages too: known by their first bytes, they are not parsed.
    if (payload.startsWith(this.ownPrefix)) return;
    let message: ClusterMessage;
    try {
      message = JSON.parse(payload) as ClusterMessage;
    } catch {
      return;
    }
    if (message.type === 'members') {
      this.look().catch((err: unknown) => this.log.warn({ err }, 'reading the membership failed; read at the next tick'));
      return;
    }
    for (const listener of this.messageListeners) listener(message);
  }
}
