import type { Core } from '../app.js';
import { AppError } from '../lib/errors.js';
import { ClusterRepository } from './cluster.repository.js';
import { clusterJobs, type JobName } from './jobs.js';
import { ownerOf } from './rendezvous.js';

export interface ClusterStatus {
  nodes: { id: string; live: boolean; version: string; startedAt: string; leaseEndsInMs: number; monitors: number }[];
  /** Each cluster-wide job and the node leading it (null: none at the moment, e.g. just after a node died). */
  jobs: { job: JobName; node: string | null }[];
  /** The probes checking from other locations (revoked ones left out), with their health. */
  probes: { name: string; location: string; health: string; version: string | null; lagMs: number | null; backlog: number | null; dropped: number | null }[];
}

/** What `upkeep cluster status` shows: the nodes, their share of the monitors, who leads which job, and the probes. */
export async function clusterStatus(core: Core, probes: ClusterStatus['probes']): Promise<ClusterStatus> {
  if (core.storage.dialect !== 'postgres') throw new AppError('invalid_config', 'cluster mode runs on PostgreSQL only; set UPKEEP_DATABASE_URL=postgres://…');
  const repo = new ClusterRepository(core.storage.db);
  const { nodes, now } = await repo.all();
  const live = nodes.filter((n) => n.lease_until > now).map((n) => n.id);
  const shares = new Map<string, number>();
  for (const id of await repo.monitorIds()) {
    const owner = ownerOf(id, live);
    if (owner) shares.set(owner, (shares.get(owner) ?? 0) + 1);
  }
  const held = new Map((await repo.heldJobs()).map((h) => [h.job, h.holder.replace(/^upkeep:/, '')]));
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      live: n.lease_until > now,
      version: n.version,
      startedAt: new Date(n.started_at).toISOString(),
      leaseEndsInMs: n.lease_until - now,
      monitors: shares.get(n.id) ?? 0,
    })),
    jobs: clusterJobs.map((job, i) => ({ job, node: held.get(i) ?? null })),
    probes,
  };
}

/** The status as lines for a terminal. */
export function formatClusterStatus(status: ClusterStatus): string {
  const probes = status.probes.map(
    (p) =>
      `  ${p.name} (${p.location}): ${p.health}${p.version ? `, ${p.version}` : ''}${p.lagMs === null ? '' : `, ${p.lagMs} ms behind`}` +
      `${p.backlog ? `, ${p.backlog} results waiting` : ''}${p.dropped ? `, ${p.dropped} results DROPPED (its buffer was full)` : ''}`,
  );
  const probesPart = probes.length ? `\nprobes:\n${probes.join('\n')}\n` : '';
  if (!status.nodes.length) return `no node has joined a cluster on this database (cluster.enabled in upkeep.yaml)\n${probesPart}`;
  const rows = [
    ['NODE', 'STATE', 'MONITORS', 'LEASE', 'VERSION', 'STARTED'],
    ...status.nodes.map((n) => [
      n.id,
      n.live ? 'live' : 'dead',
      String(n.monitors),
      n.live ? `${Math.ceil(n.leaseEndsInMs / 1000)} s left` : `ran out ${Math.round(-n.leaseEndsInMs / 1000)} s ago`,
      n.version,
      n.startedAt,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const jobs = status.jobs.map((j) => `  ${j.job.padEnd(14)} ${j.node ?? '(no leader right now)'}`);
  return `${table.join('\n')}\n\ncluster-wide jobs:\n${jobs.join('\n')}\n${probesPart}`;
}
