import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { createResolver, httpRequest, isNetError } from '../lib/net/index.js';
import { ImportDraft } from './draft.js';
import { sourceDescriptions, type CommonImportOptions, type Importer } from './importer.js';
import { seconds, tagOf } from './values.js';

export interface HealthchecksOptions extends CommonImportOptions {
  apiKey?: string | undefined;
  allowPrivate?: boolean;
}

/** A check as `GET /api/v3/checks/` answers it (read-write and read-only keys alike). */
const checkSchema = z
  .object({
    name: z.string().default(''),
    slug: z.string().default(''),
    tags: z.string().default(''),
    desc: z.string().default(''),
    grace: z.number(),
    status: z.string().default('new'),
    timeout: z.number().optional(),
    schedule: z.string().optional(),
    tz: z.string().optional(),
    subject: z.string().default(''),
    subject_fail: z.string().default(''),
    start_kw: z.string().default(''),
    success_kw: z.string().default(''),
    failure_kw: z.string().default(''),
    methods: z.string().default(''),
    manual_resume: z.boolean().default(false),
    uuid: z.string().optional(),
    unique_key: z.string().optional(),
  })
  .loose();
const checksAnswer = z.object({ checks: z.array(checkSchema) });
const channelsAnswer = z.object({ channels: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() }).loose()) });

type Check = z.output<typeof checkSchema>;

/** GETs one API path with the key; an answer that is not 200 is an error that says what the server said. */
async function get(base: string, path: string, options: HealthchecksOptions): Promise<{ status: number; json: unknown }> {
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
  try {
    const res = await httpRequest(url, {
      headers: { 'x-api-key': options.apiKey ?? '', accept: 'application/json' },
      policy: { allowPrivate: Boolean(options.allowPrivate) },
      resolver: createResolver({ timeoutMs: 2_500, tries: 2 }),
      deadlineMs: 20_000,
      maxBodyBytes: 20 * 1024 * 1024,
    });
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  } catch (err) {
    if (isNetError(err)) throw new AppError('unavailable', `cannot reach ${url}: ${err.message}`, { cause: err });
    throw err;
  }
}

function mapCheck(check: Check, site: string, draft: ImportDraft): void {
  const name = check.name || check.slug || check.uuid || check.unique_key || 'check';
  const tags = [
    ...new Set(
      check.tags
        .split(/\s+/)
        .filter(Boolean)
        .map((t) => tagOf(t)),
    ),
  ].filter((t): t is string => t !== undefined);
  const monitor: Record<string, unknown> = {
    type: 'heartbeat',
    name,
    grace: seconds(check.grace),
    ...(check.desc ? { description: check.desc } : {}),
    ...(tags.length ? { tags } : {}),
    ...(check.status === 'paused' ? { paused: true } : {}),
  };
  if (check.schedule) Object.assign(monitor, { schedule: check.schedule, timezone: check.tz ?? 'UTC' });
  else if (check.timeout !== undefined) monitor.period = seconds(check.timeout);
  else return draft.skip('check', name, undefined, 'it has neither a period (timeout) nor a schedule');
  const ref = draft.addMonitor(site, monitor, 'check');
  if (!ref) return;
  draft.note('monitor', ref, "its ping URL changes: point the job at this monitor's Upkeep ping URL (/ping/<key>, shown in the dashboard)");
  if (check.subject || check.subject_fail || check.start_kw || check.success_kw || check.failure_kw) {
    draft.note('monitor', ref, 'its email keyword filters were left out: Upkeep heartbeats are pinged over HTTP');
  }
  if (check.methods === 'POST') draft.note('monitor', ref, 'Healthchecks accepted only POST pings; Upkeep accepts GET, POST and HEAD');
  if (check.manual_resume) draft.note('monitor', ref, 'Healthchecks paused it on failure until resumed by hand; Upkeep keeps checking');
}

/**
 * Healthchecks.io (or a self-hosted instance) through its Management API v3: every check of the
 * key's project becomes a heartbeat monitor with the same period or cron schedule, grace and tags.
 */
export const healthchecksImporter: Importer<HealthchecksOptions> = {
  source: 'healthchecks',
  describe: sourceDescriptions.healthchecks,
  async read(base, options) {
    if (!options.apiKey)
      throw new AppError('invalid_input', 'a Healthchecks API key is needed: set HEALTHCHECKS_API_KEY (or name another variable with --api-key-env)');
    const checks = await get(base, 'api/v3/checks/', options);
    if (checks.status === 401 || checks.status === 403) throw new AppError('invalid_input', `${base} refused the API key (HTTP ${checks.status})`);
    const parsed = checksAnswer.safeParse(checks.json);
    if (checks.status !== 200 || !parsed.success)
      throw new AppError('unavailable', `${base}/api/v3/checks/ did not answer with a list of checks (HTTP ${checks.status})`);
    const draft = new ImportDraft();
    if (parsed.data.checks.length) {
      const site = draft.addSite(options.site ?? 'Healthchecks');
      for (const check of parsed.data.checks) mapCheck(check, site, draft);
    }
    // Integrations are listed by name only (read-write keys): their settings are not in the API.
    const channels = await get(base, 'api/v3/channels/', options);
    const list = channelsAnswer.safeParse(channels.json);
    if (channels.status === 200 && list.success) {
      for (const c of list.data.channels)
        draft.skip('integration', c.name || c.id, c.kind, "its settings are not in Healthchecks' API; add it as an Upkeep channel by hand");
    } else draft.skip('integrations', 'all', undefined, `could not be listed with this key (HTTP ${channels.status}); add your channels by hand`);
    return { describe: `Healthchecks at ${base}`, draft };
  },
};
