import type { Config } from '../config/schema.js';
import { formatDuration } from '../config/duration.js';
import { monitorKinds, type MonitorSpec } from '../monitoring/monitor.schema.js';
import { SELF_JOB, type BackupsConfig } from './config.js';

/** The monitor a scheduled run reports to, by stable key (site name, monitor name). */
export interface HeartbeatRef {
  site: string;
  monitor: string;
}

export const backupMonitorName = (job: string): string => `Backup: ${job}`;
export const drillMonitorName = (job: string): string => `Restore drill: ${job}`;
export const checkMonitorName = (repository: string): string => `Repository check: ${repository}`;

/** Whether a monitor is a backup job's or a restore drill's heartbeat (by its name, as made above), and the job's name. */
export function backupHeartbeatOf(m: { spec: { type: string; name: string } }): { kind: 'backup' | 'drill'; job: string } | null {
  if (m.spec.type !== 'heartbeat') return null;
  for (const [kind, prefix] of [
    ['backup', backupMonitorName('')],
    ['drill', drillMonitorName('')],
  ] as const)
    if (m.spec.name.startsWith(prefix)) return { kind, job: m.spec.name.slice(prefix.length) };
  return null;
}

type Schedule = { schedule: string; timezone: string; grace: number };

function heartbeat(name: string, description: string, when: Schedule): MonitorSpec {
  // Parsed from the written form, so the spec is exactly what the same monitor written by hand would be.
  return monitorKinds.get('heartbeat').configSchema.parse({
    type: 'heartbeat',
    name,
    description,
    tags: ['backup'],
    schedule: when.schedule,
    timezone: when.timezone,
    grace: formatDuration(when.grace),
  });
}

/** The jobs as monitors see them: those written, and Upkeep's own backup (`backups.self`) as the job "upkeep-self". */
function jobsOf(
  backups: BackupsConfig,
): { name: string; site: string; repository: string; schedule: string; timezone: string; grace: number; drill: boolean }[] {
  return backups.self ? [...backups.jobs, { ...backups.self, name: SELF_JOB }] : backups.jobs;
}

/** Sites of the jobs that use each repository: each of them shows that repository's check. */
export function sitesByRepository(backups: BackupsConfig): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const job of jobsOf(backups)) {
    const sites = out.get(job.repository) ?? [];
    if (!sites.includes(job.site)) sites.push(job.site);
    out.set(job.repository, sites);
  }
  return out;
}

/**
 * The heartbeat monitors that `backups:` implies, by site: one per job, one per job's restore drill,
 * and one per repository check under each site with a job in that repository. The BackupScheduler
 * pings them; a failed run or one that did not finish by schedule + grace turns them down.
 */
export function backupMonitors(backups: BackupsConfig | undefined): { site: string; spec: MonitorSpec }[] {
  if (!backups) return [];
  const out: { site: string; spec: MonitorSpec }[] = [];
  for (const job of jobsOf(backups)) {
    out.push({ site: job.site, spec: heartbeat(backupMonitorName(job.name), `Backup job "${job.name}" of upkeep.yaml (backups.jobs)`, job) });
    if (job.drill)
      out.push({ site: job.site, spec: heartbeat(drillMonitorName(job.name), `Restore drill of backup job "${job.name}" (backups.drills)`, backups.drills) });
  }
  for (const [repository, sites] of sitesByRepository(backups)) {
    const check = heartbeat(checkMonitorName(repository), `Integrity check of backup repository "${repository}" (backups.verify)`, backups.verify);
    for (const site of sites) out.push({ site, spec: check });
  }
  return out;
}

/**
 * The config with the backup monitors added to their sites, for ConfigSync: from there on they are
 * monitors like any other the file owns. Appended after the written monitors, so the `${VAR}`
 * references recorded by position still point at the right ones.
 */
export function withBackupMonitors(config: Config): Config {
  const derived = backupMonitors(config.backups);
  if (derived.length === 0) return config;
  return {
    ...config,
    sites: config.sites.map((site) => ({ ...site, monitors: [...site.monitors, ...derived.filter((d) => d.site === site.name).map((d) => d.spec)] })),
  };
}

/** Problems a `backups:` section has with the rest of the file: jobs naming sites that are not there, monitor names taken. */
export function backupReferenceIssues(config: {
  backups?: BackupsConfig | undefined;
  sites: { name: string; monitors: { name: string }[] }[];
}): { path: (string | number)[]; message: string }[] {
  if (!config.backups) return [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  const sites = new Map(config.sites.map((s) => [s.name, new Set(s.monitors.map((m) => m.name))]));
  const self = config.backups.self;
  if (self && !sites.has(self.site))
    issues.push({
      path: ['backups', 'self', 'site'],
      message: `no site is named ${JSON.stringify(self.site)} (the self-backup reports to a site's heartbeat monitors)`,
    });
  for (const [i, job] of config.backups.jobs.entries()) {
    const monitors = sites.get(job.site);
    if (!monitors) {
      issues.push({
        path: ['backups', 'jobs', i, 'site'],
        message: `no site is named ${JSON.stringify(job.site)} (a backup job reports to a site's heartbeat monitors)`,
      });
      continue;
    }
    for (const name of [backupMonitorName(job.name), drillMonitorName(job.name), checkMonitorName(job.repository)]) {
      if (monitors.has(name))
        issues.push({
          path: ['backups', 'jobs', i, 'name'],
          message: `site "${job.site}" already has a monitor named "${name}", which this job makes; rename one of them`,
        });
    }
  }
  return issues;
}
