import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { clusterJobs, lockSpace, type JobName } from './jobs.js';

/** The channel nodes tell each other things on (live events, forwarded pings and checks). */
export const CHANNEL = 'upkeep_cluster';

/**
 * A node's own connection to PostgreSQL, outside the pool: it holds the session advisory locks of
 * the jobs this node leads and LISTENs for the other nodes' messages. When it drops, PostgreSQL
 * releases the locks (another node takes the jobs), and the node stops its jobs at once.
 */
export class ClusterConnection {
  private client: pg.Client | undefined;
  private readonly held = new Set<JobName>();

  constructor(
    private readonly open: () => pg.Client,
    private readonly handlers: { message: (payload: string) => void; lost: () => void },
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  holds(job: JobName): boolean {
    return this.held.has(job);
  }

  async connect(): Promise<void> {
    const client = this.open();
    const lost = (err?: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.held.clear();
      this.log.warn({ err }, 'lost the cluster connection: this node stops its cluster-wide jobs until it is back');
      this.handlers.lost();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.handlers.message(n.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  /** Takes the lock of each of `jobs` that no other node holds, in one round trip; answers the jobs now held here. */
  async tryLock(jobs: readonly JobName[]): Promise<JobName[]> {
    const client = this.client;
    if (!client || !jobs.length) return [];
    const { rows } = await client.query<{ job: number; ok: boolean }>(
      'select job, pg_try_advisory_lock($1::int4, job) as ok from unnest($2::int4[]) with ordinality as j(job, n) order by n',
      [lockSpace.job, jobs.map((job) => clusterJobs.indexOf(job))],
    );
    if (this.client !== client) return [];
    for (const row of rows) if (row.ok) this.held.add(clusterJobs[row.job]!);
    return jobs.filter((job) => this.held.has(job));
  }

  /** Ends the connection: its locks go with it. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    await client?.end().catch(() => undefined);
  }
}
