import type { z } from 'zod';
import type { PlanItem } from '../config/apply.js';
import { variableName } from '../config/export.js';
import { maintenanceSchema } from '../incidents/incidents.schema.js';
import { mergeSecrets, splitSecrets } from '../lib/secrets.js';
import { monitorKinds, monitorSchema } from '../monitoring/monitor.schema.js';
import { channelKinds, channelSchema } from '../notify/channel.schema.js';
import { siteSchema } from '../sites/site.schema.js';
import { statusPageSchema, statusPageSecrets } from '../status-pages/status-page.schema.js';

type Obj = Record<string, unknown>;

/** Something of the source that was not imported, and why: `monitor "Steam server" (steam): no Upkeep counterpart`. */
export interface Skipped {
  kind: string;
  name: string;
  type?: string;
  reason: string;
}

/** Something imported differently from how the source had it: the object, and what changed. */
export interface Note {
  kind: string;
  key: string;
  message: string;
}

interface SiteDraft {
  fields: Obj;
  monitors: Obj[];
}

const firstIssue = (error: z.ZodError): string => {
  const issue = error.issues[0];
  if (!issue) return 'not valid';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
};

/** Writes `$${` for a literal `${` so Upkeep's loader does not take text of the source for a variable. */
function escapeReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('${', '$${');
  if (Array.isArray(value)) return value.map(escapeReferences);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeReferences(v)]));
  return value;
}

/**
 * An upkeep.yaml being built from another tool's objects. Every object is checked against Upkeep's own
 * schema as it is added: one that does not fit is listed as skipped with the schema's message, never
 * dropped silently. Secret fields (as Upkeep declares them per type) become `${UPKEEP_SECRET_…}`
 * references, their values kept apart for an env file, so the YAML is safe to commit.
 *
 * @example const draft = new ImportDraft(); draft.addSite('Shop', {}); draft.addMonitor('Shop', { type: 'http', name: 'Home', url }, 'http')
 */
export class ImportDraft {
  readonly sites = new Map<string, SiteDraft>();
  readonly channels: Obj[] = [];
  readonly maintenance: Obj[] = [];
  readonly statusPages: Obj[] = [];
  readonly secrets = new Map<string, string>();
  readonly skipped: Skipped[] = [];
  readonly notes: Note[] = [];

  skip(kind: string, name: string, type: string | undefined, reason: string): void {
    this.skipped.push({ kind, name, ...(type ? { type } : {}), reason });
  }

  note(kind: string, key: string, message: string): void {
    this.notes.push({ kind, key, message });
  }

  /** A name not yet taken among `taken`: "Name", then "Name (2)", "Name (3)". */
  private unique(taken: Iterable<string>, wanted: string, kind: string): string {
    const cleaned = wanted.replaceAll('/', '-').trim().slice(0, 110) || kind;
    if (cleaned !== wanted) this.note(kind, cleaned, `renamed from "${wanted}" (names cannot contain "/" and are at most 120 characters)`);
    const names = new Set([...taken].map((n) => n.toLowerCase()));
    let name = cleaned;
    for (let n = 2; names.has(name.toLowerCase()); n++) name = `${cleaned} (${n})`;
    if (name !== cleaned) this.note(kind, name, `renamed from "${cleaned}": another ${kind} has that name`);
    return name;
  }

  /** Seals the secret fields into references and escapes literal `${` in the rest. */
  private seal(value: Obj, isSecret: (path: readonly string[]) => boolean, owner: string[]): Obj {
    const { plain, secrets } = splitSecrets(value, isSecret);
    const refs: Record<string, string> = {};
    for (const [path, secret] of Object.entries(secrets)) {
      const name = variableName(...owner, path);
      this.secrets.set(name, secret);
      refs[path] = `\${${name}}`;
    }
    return mergeSecrets(escapeReferences(plain) as Obj, refs);
  }

  private check<S extends z.ZodType>(schema: S, value: Obj, kind: string, name: string, type?: string): boolean {
    const parsed = schema.safeParse(value);
    if (parsed.success) return true;
    this.skip(kind, name, type, `does not fit Upkeep's ${kind} (${firstIssue(parsed.error)})`);
    return false;
  }

  /** Adds a site (or returns the one of that name); returns its name. */
  addSite(wanted: string, fields: Obj = {}): string {
    const name = this.unique(this.sites.keys(), wanted, 'site');
    let site: Obj = { name, ...fields };
    const parsed = siteSchema.safeParse(site);
    if (!parsed.success) {
      this.note('site', name, `made without its ${Object.keys(fields).join(', ')} (${firstIssue(parsed.error)})`);
      site = { name };
    }
    this.sites.set(name, { fields: this.seal(site, () => false, [name]), monitors: [] });
    return name;
  }

  /**
   * Adds one named object to `list` under a name no other in it has, if it fits `schema`; returns that
   * name, or undefined when it was listed as skipped (`sourceKind`: what the source calls it).
   */
  private addNamed(
    list: Obj[],
    object: Obj,
    schema: z.ZodType,
    names: { kind: string; sourceKind?: string; sourceType?: string; owner?: string[] },
    secretsOf: (value: Obj) => (path: readonly string[]) => boolean,
  ): string | undefined {
    const wanted = String(object.name);
    const name = this.unique(
      list.map((o) => String(o.name)),
      wanted,
      names.kind,
    );
    const value: Obj = { ...object, name };
    if (!this.check(schema, value, names.sourceKind ?? names.kind, wanted, names.sourceType)) return undefined;
    list.push(this.seal(value, secretsOf(value), [...(names.owner ?? []), name]));
    return name;
  }

  /** Adds a monitor to a site; returns its reference "Site/Monitor", or undefined when it was skipped. */
  addMonitor(siteName: string, monitor: Obj, sourceType: string): string | undefined {
    const site = this.sites.get(siteName)!;
    const name = this.addNamed(
      site.monitors,
      monitor,
      monitorSchema,
      { kind: 'monitor', sourceType, owner: [siteName] },
      (v) => monitorKinds.get(String(v.type)).secretFields.isSecret,
    );
    return name === undefined ? undefined : `${siteName}/${name}`;
  }

  /** Adds a channel; returns its name, or undefined when it was skipped. */
  addChannel(channel: Obj, sourceType: string): string | undefined {
    return this.addNamed(
      this.channels,
      channel,
      channelSchema,
      { kind: 'channel', sourceKind: 'notification', sourceType },
      (v) => channelKinds.get(String(v.type)).secretFields.isSecret,
    );
  }

  addMaintenance(window: Obj): boolean {
    return this.addNamed(this.maintenance, window, maintenanceSchema, { kind: 'maintenance window' }, () => () => false) !== undefined;
  }

  addStatusPage(page: Obj): boolean {
    const slug = String(page.slug);
    if (!this.check(statusPageSchema, page, 'status page', slug)) return false;
    this.statusPages.push(this.seal(page, statusPageSecrets.isSecret, [slug]));
    return true;
  }

  /** What applying the draft to an empty database would do, in the order of the file: channels, sites with their monitors, windows, pages. */
  plan(): PlanItem[] {
    const create = (kind: PlanItem['kind'], key: string): PlanItem => ({ action: 'create', kind, key, changes: [] });
    return [
      ...this.channels.map((c) => create('channel', String(c.name))),
      ...[...this.sites].flatMap(([site, s]) => [create('site', site), ...s.monitors.map((m) => create('monitor', `${site}/${String(m.name)}`))]),
      ...this.maintenance.map((w) => create('maintenance', String(w.name))),
      ...this.statusPages.map((p) => create('status-page', String(p.slug))),
    ];
  }

  hasChannel(name: string): boolean {
    return this.channels.some((c) => c.name === name);
  }

  /** The config as upkeep.yaml holds it (sections that are empty are left out). */
  toConfig(): Obj {
    const out: Obj = {};
    const sites = [...this.sites.values()].map((s) => (s.monitors.length ? { ...s.fields, monitors: s.monitors } : s.fields));
    if (sites.length) out.sites = sites;
    if (this.channels.length) out.channels = this.channels;
    if (this.maintenance.length) out.maintenance = this.maintenance;
    if (this.statusPages.length) out.statusPages = this.statusPages;
    return out;
  }
}
