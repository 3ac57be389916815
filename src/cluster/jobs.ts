/**
 * The jobs that must run once in a cluster, each under its own advisory lock (the lock's second key is
 * the index here, so never reorder: append). Listed in the order a lone node starts them.
 */
export const clusterJobs = [
  'outbox',
  'incidents',
  'rollups',
  'retention',
  'audits',
  'backups',
  'announcer',
  'feedback',
  'routines',
  'updates',
  'objectives',
  'privacy',
  'reports',
  'update-windows',
  'inventory',
  'probes',
  'knowledge',
] as const;
export type JobName = (typeof clusterJobs)[number];

/** The first key of Upkeep's advisory locks ("UPK" and a kind), so they never meet another program's. */
export const lockSpace = { job: 0x55504b01, site: 0x55504b02, config: 0x55504b03 } as const;

/** Something started where its job's lock is held, and stopped where it is lost. */
export interface Job {
  start(): unknown;
  stop(): unknown;
}

/** What the rest of Upkeep asks of the cluster; a lone node (`Alone`) is a cluster of one. */
export interface Coordinator {
  /** This node's name in the cluster; undefined outside cluster mode. */
  readonly nodeId: string | undefined;
  /** Whether this node checks the monitor. */
  owns(monitorId: number): boolean;
  /** Whether this node runs the cluster-wide job now. */
  leads(job: JobName): boolean;
  /** Runs `job` here while this node leads it. */
  add(name: JobName, job: Job): void;
  /** Joins the cluster (before the engine loads its monitors). */
  join(): Promise<void>;
  /** Starts (or starts competing for) the jobs. */
  start(): Promise<void>;
  /** Stops the named jobs held here, last added first; without names, all that remain, and leaves the cluster. */
  stop(names?: readonly JobName[]): Promise<void>;
}

/** Stops the named jobs (or all) among `running`, last started first, and forgets them. */
export async function stopJobs(running: Map<JobName, Job>, names?: readonly JobName[]): Promise<void> {
  for (const name of [...running.keys()].reverse()) {
    if (names && !names.includes(name)) continue;
    const job = running.get(name)!;
    running.delete(name);
    await job.stop();
  }
}

/** Outside cluster mode: this node checks every monitor and runs every job, from start to stop. */
export class Alone implements Coordinator {
  readonly nodeId = undefined;
  private readonly jobs = new Map<JobName, Job>();
  private readonly running = new Map<JobName, Job>();

  owns(): boolean {
    return true;
  }

  leads(): boolean {
    return true;
  }

  add(name: JobName, job: Job): void {
    this.jobs.set(name, job);
  }

  async join(): Promise<void> {}

  async start(): Promise<void> {
    for (const [name, job] of this.jobs) {
      await job.start();
      this.running.set(name, job);
    }
  }

  stop(names?: readonly JobName[]): Promise<void> {
    return stopJobs(this.running, names);
  }
}
