import { z } from 'zod';
import { secretFields } from '../lib/secrets.js';
import type { Issue } from '../config/section.js';
import { duration } from '../config/duration.js';
import { expected, hostName, httpUrl, ipOrCidr, markdown, objectName, timezone } from '../config/fields.js';
import { smtpSchema } from '../notify/channel.schema.js';
import { ownHostRefusal } from './own-hosts.js';

export const languages = ['en', 'sv', 'de'] as const;
export const updateStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;

/** Display text people choose (component names, titles): any characters, escaped wherever they are shown. */
const label = (what: string, max: number) =>
  z
    .string({ error: expected(`a ${what}`) })
    .trim()
    .min(1, `a ${what} cannot be empty`)
    .max(max, `a ${what} is at most ${max} characters`);

const color = z.string().regex(/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i, 'expected a colour like "#0a7d3e"');

/** A component: the monitors it stands for, named "Site name/Monitor name", or every monitor of one site. */
export const componentSchema = z
  .object({
    name: label('component name', 120),
    description: z.string().max(500).optional(),
    monitors: z
      .array(z.string().regex(/^[^/]+\/[^/]+$/, 'expected "Site name/Monitor name"'))
      .min(1)
      .optional(),
    site: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => (c.monitors === undefined) !== (c.site === undefined), { message: 'a component names either monitors or a site (not both)' });

/**
 * A status page: served at /status/<slug> (and at / on its `domains`), with its feeds, JSON,
 * badges of its monitors and subscriptions. With `access` it is private: nothing of it, nor of
 * monitors shown only on it, appears at any public address.
 */
export const statusPageSchema = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a slug is 1–63 lowercase letters, digits or "-", starting with a letter or digit'),
    title: label('page title', 200),
    /** Markdown, sanitized. */
    description: markdown.optional(),
    components: z.array(componentSchema).min(1, 'a status page needs at least one component').max(200, 'at most 200 components'),
    /** Host names that serve this page at "/" (the Host header decides). */
    domains: z.array(hostName).max(20).optional(),
    logo: httpUrl.optional(),
    /** A "Report a problem" link in the footer: a site's feedback form (its widget's `formUrl`, docs/feedback.md) or any page. */
    reportProblem: httpUrl.optional(),
    colors: z.object({ brand: color.optional(), background: color.optional(), text: color.optional() }).strict().optional(),
    language: z.enum(languages).default('en'),
    timezone: timezone.default('UTC'),
    /** Appended to the page's stylesheet; anything that could load from elsewhere or run is removed. */
    customCss: z.string().max(20_000, 'customCss is at most 20,000 characters').optional(),
    access: z
      .object({
        /** Visitors type it once; a signed cookie remembers it. Feeds and JSON also take it as HTTP Basic auth. */
        password: z.string().min(8, 'a page password is at least 8 characters').optional(),
        /** Only these addresses see the page; everyone else gets 404. */
        allowIps: z.array(ipOrCidr).min(1).optional(),
      })
      .strict()
      .refine((a) => a.password !== undefined || a.allowIps !== undefined, { message: 'access needs a password or allowIps' })
      .optional(),
    /** Incidents opened by monitors show on the page at once; with false only incidents with a written update do. */
    automaticIncidents: z.boolean().default(true),
    /** How long ahead subscribers hear of scheduled maintenance, and when they are reminded. */
    maintenanceNotice: z
      .object({ announce: duration({ min: 0 }).prefault('3d'), remind: duration({ min: 0 }).prefault('1h') })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((page, ctx) => {
    const names = new Set<string>();
    page.components.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['components', i, 'name'], message: `another component of this page is named "${c.name}"` });
      names.add(c.name);
    });
  })
  .meta({ examples: [{ slug: 'status', title: 'Shop status', components: [{ name: 'Shop', site: 'Shop' }] }] });

export type StatusPageSpec = z.output<typeof statusPageSchema>;

/** The password is the one secret of a page: sealed at rest, `********` in answers, a variable in exports. */
export const statusPageSecrets = secretFields(['access.password']);

/** A reusable message for incident updates: `template: "Investigating"` in an update takes its status and body. */
export const messageTemplateSchema = z
  .object({
    name: objectName('message template'),
    status: z.enum(updateStatuses).optional(),
    body: markdown.min(1, 'a message template needs a body'),
  })
  .strict()
  .meta({ examples: [{ name: 'Investigating', status: 'investigating', body: 'We are looking into it.' }] });
export type MessageTemplateSpec = z.output<typeof messageTemplateSchema>;

/** A public update on an incident: what people reading the status pages (and subscribers) are told. */
export const incidentUpdateSchema = z
  .object({
    status: z.enum(updateStatuses).optional(),
    body: markdown.optional(),
    template: z.string().min(1).optional(),
    /** Slugs of the pages to show it on; default every page the incident shows on. */
    pages: z.array(z.string().min(1)).min(1).optional(),
    notify: z.boolean().default(true),
  })
  .strict()
  .refine((u) => u.body !== undefined || u.template !== undefined, { message: 'an update needs a body or a template' })
  .meta({ examples: [{ status: 'identified', body: 'A payment provider is down; we are switching to another.' }] });

/** The instance's own sender for subscriber emails (confirmations, incident updates, maintenance). */
export const emailSettingsSchema = z
  .object({
    from: z.email(),
    smtp: smtpSchema,
    /** Lets the SMTP server be on loopback or a private address (a local relay). */
    allowPrivateTargets: z.boolean().optional(),
  })
  .strict();
export type EmailSettings = z.output<typeof emailSettingsSchema>;

/**
 * Cross-checks against the rest of the config: unique slugs and domains that are not this server's
 * own, components naming sites and monitors that exist.
 */
export function checkStatusPageReferences(
  config: {
    server: { publicUrl?: string | undefined; host: string };
    statusPages: StatusPageSpec[];
    sites: { name: string; monitors: { name: string }[] }[];
    messageTemplates: { name: string }[];
  },
  issue: Issue,
): void {
  const ctx = { addIssue: (i: { code: 'custom'; path: (string | number)[]; message: string }) => issue(i.path, i.message) };
  const sites = new Set(config.sites.map((s) => s.name));
  const monitors = new Set(config.sites.flatMap((s) => s.monitors.map((m) => `${s.name}/${m.name}`)));
  const slugs = new Set<string>();
  const domains = new Map<string, string>();
  config.statusPages.forEach((page, i) => {
    if (slugs.has(page.slug)) ctx.addIssue({ code: 'custom', path: ['statusPages', i, 'slug'], message: `another status page has the slug "${page.slug}"` });
    slugs.add(page.slug);
    page.domains?.forEach((d, k) => {
      const own = ownHostRefusal(d, { publicUrl: config.server.publicUrl, listenHost: config.server.host });
      if (own) ctx.addIssue({ code: 'custom', path: ['statusPages', i, 'domains', k], message: own });
      const other = domains.get(d.toLowerCase());
      if (other) ctx.addIssue({ code: 'custom', path: ['statusPages', i, 'domains', k], message: `the domain "${d}" already serves the page "${other}"` });
      domains.set(d.toLowerCase(), page.slug);
    });
    page.components.forEach((c, j) => {
      if (c.site !== undefined && !sites.has(c.site))
        ctx.addIssue({ code: 'custom', path: ['statusPages', i, 'components', j, 'site'], message: `no site is named "${c.site}"` });
      c.monitors?.forEach((ref, k) => {
        if (!monitors.has(ref))
          ctx.addIssue({
            code: 'custom',
            path: ['statusPages', i, 'components', j, 'monitors', k],
            message: `no monitor is named "${ref}" (write "Site name/Monitor name")`,
          });
      });
    });
  });
  const names = new Set<string>();
  config.messageTemplates.forEach((t, i) => {
    if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: ['messageTemplates', i, 'name'], message: `another message template is named "${t.name}"` });
    names.add(t.name);
  });
}
