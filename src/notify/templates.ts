import Mustache from 'mustache';
import type { NotificationEvent, NotificationPayload } from './notification.js';
import { defaultTemplates, type TemplateKey } from './default-templates.js';

/**
 * How values are escaped where a template puts them: the template's own text is the author's
 * markup, the data (titles, monitor names, messages) must never become markup.
 */
export type TextFormat = 'plain' | 'html' | 'markdown' | 'slack';

export interface Template {
  title: string;
  body: string;
}

/** Per-event overrides from a channel's config; a missing title or body falls back to the default. */
export type TemplateOverrides = { [K in TemplateKey]?: { title?: string | undefined; body?: string | undefined } | undefined };

/** The template an event is written with: incidents' by their step (`incident.opened` → `opened`, `test` stays `test`); every notice (a GDPR task, a site's `update.*` events) with `notice`. */
export const templateKeyOf = (event: NotificationEvent): TemplateKey =>
  event === 'privacy.task.opened' || event.startsWith('update.') ? 'notice' : (event.replace(/^incident\./, '') as TemplateKey);

/**
 * The shape of what templates can read, so a template naming anything else is refused when it is
 * written (a typo is a config error, not a blank line in an alert at 3 a.m.).
 */
type ListShape = readonly ['list', Shape];
type Shape = 'value' | { readonly [key: string]: Shape } | ListShape;
const isList = (shape: Shape): shape is ListShape => Array.isArray(shape);
const monitorShape = { id: 'value', name: 'value', type: 'value', status: 'value', message: 'value', since: 'value' } as const;
const viewShape: Shape = {
  event: 'value',
  occurredAt: 'value',
  dedupKey: 'value',
  notificationId: 'value',
  incident: {
    id: 'value',
    title: 'value',
    severity: 'value',
    status: 'value',
    openedAt: 'value',
    acknowledgedAt: 'value',
    resolvedAt: 'value',
    summary: 'value',
    owner: 'value',
    url: 'value',
    acknowledgeUrl: 'value',
    runbook: 'value',
  },
  site: { id: 'value', name: 'value', url: 'value', tags: ['list', 'value'] },
  monitors: ['list', monitorShape],
};

/** Every variable a template may name, for docs and error messages. */
export const templateVariables: string[] = (() => {
  const out: string[] = [];
  const walk = (shape: Shape, path: string): void => {
    if (shape === 'value') out.push(path);
    else if (isList(shape)) {
      out.push(path);
      const item = shape[1];
      if (item !== 'value' && !isList(item)) for (const [key, child] of Object.entries(item)) walk(child, `${path}[].${key}`);
    } else for (const [key, child] of Object.entries(shape)) walk(child, path ? `${path}.${key}` : key);
  };
  walk(viewShape, '');
  return out;
})();

type Token = [string, string, number, number, Token[]?, number?];
const REFUSED: Record<string, string> = {
  '>': 'partials ({{> name}}) are not allowed',
  '=': 'delimiter changes ({{=<% %>=}}) are not allowed',
  '&': 'unescaped values ({{& name}}) are not allowed: every value is escaped for the channel',
  '{': 'unescaped values ({{{name}}}) are not allowed: every value is escaped for the channel',
};

/** Finds what a dotted name means in the current sections, innermost first, as mustache does. */
function resolve(name: string, scopes: readonly Shape[]): Shape | undefined {
  if (name === '.') return scopes[0];
  const [head, ...rest] = name.split('.');
  for (const scope of scopes) {
    if (scope === 'value' || isList(scope)) continue;
    const found = Object.hasOwn(scope, head!) ? (scope as Record<string, Shape>)[head!] : undefined;
    if (found === undefined) continue;
    let shape: Shape | undefined = found;
    for (const key of rest) {
      shape = shape && shape !== 'value' && !isList(shape) && Object.hasOwn(shape, key) ? (shape as Record<string, Shape>)[key] : undefined;
    }
    return shape;
  }
  return undefined;
}

function check(tokens: readonly Token[], scopes: readonly Shape[]): string | undefined {
  for (const [type, name, , , children] of tokens) {
    if (type === 'text' || type === '!') continue;
    if (REFUSED[type]) return REFUSED[type];
    const shape = resolve(name, scopes);
    if (shape === undefined) return `unknown variable "${name}"; known: ${templateVariables.join(', ')}`;
    if (type === 'name') {
      if (shape !== 'value') return `"${name}" is a list or an object: use it as a section, {{#${name}}}…{{/${name}}}`;
      continue;
    }
    // A section over a list reads each item; over an object it reads its fields; over a value, the value.
    const inner = type === '#' ? (isList(shape) ? shape[1] : shape) : undefined;
    const problem = check(children ?? [], inner ? [inner, ...scopes] : scopes);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why a template cannot be used, or undefined when it can: partials, delimiter changes and
 * unescaped tags are refused, and every variable must be one of {@link templateVariables}.
 *
 * @example templateProblem('{{> header}}') // "partials ({{> name}}) are not allowed"
 */
export function templateProblem(template: string): string | undefined {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as Token[];
  } catch (err) {
    return `not a valid template: ${(err as Error).message}`;
  }
  return check(tokens, [viewShape]);
}

type ViewValue = string | number | boolean | null | ViewValue[] | { [key: string]: ViewValue };

/**
 * A copy of the payload made only of primitives, arrays and null-prototype objects: `{{constructor}}`
 * or `{{__proto__}}` find nothing, and no function (a mustache lambda) can exist in it.
 */
function inert(value: unknown): ViewValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return Object.setPrototypeOf(value.map(inert), null) as ViewValue[];
  if (typeof value === 'object') {
    const out = Object.create(null) as Record<string, ViewValue>;
    for (const [key, child] of Object.entries(value)) out[key] = inert(child);
    return out;
  }
  return null;
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SLACK: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const URL_ONLY = /^https?:\/\/[^\s]+$/;
// Characters that would end or re-shape an auto-linked URL in Markdown; percent-encoding keeps the link the same.
const URL_BREAKERS = /[<>()[\]|`*\\]/g;

function escapeMarkdown(text: string): string {
  if (URL_ONLY.test(text)) return text.replace(URL_BREAKERS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  // Only what makes markup mid-line, plus list markers at the start (a value can begin a line);
  // a zero-width space after "@" keeps "@channel", "@here" and "@everyone" in data from pinging anyone.
  return text
    .replace(/[\\`*_~#|<>[\]]/g, '\\$&')
    .replace(/^[-+=]/, '\\$&')
    .replace(/^(\d+)\./, '$1\\.')
    .replace(/@/g, '@\u200b');
}

const escapers: Record<TextFormat, (text: string) => string> = {
  plain: (text) => text,
  html: (text) => text.replace(/[&<>"']/g, (c) => HTML[c]!),
  slack: (text) => text.replace(/[&<>]/g, (c) => SLACK[c]!),
  markdown: escapeMarkdown,
};

// A writer of our own with no template cache: previews render whatever people type, and mustache's
// default writer would keep every distinct template forever.
const writer = new Mustache.Writer();
(writer as unknown as { templateCache: unknown }).templateCache = undefined;

/** Renders one template against the payload, escaping every value for `format`. */
export function renderTemplate(template: string, payload: NotificationPayload, format: TextFormat): string {
  const escape = escapers[format];
  return writer.render(template, inert(payload), undefined, { escape: (value: unknown) => escape(String(value)) });
}

/** The title and body for an event, with the channel's overrides, rendered for `format`. */
export function renderMessage(payload: NotificationPayload, format: TextFormat, overrides: TemplateOverrides = {}): Template {
  const key = templateKeyOf(payload.event);
  const title = overrides[key]?.title ?? defaultTemplates[key].title;
  const body = overrides[key]?.body ?? defaultTemplates[key].body;
  return { title: renderTemplate(title, payload, format).trim(), body: renderTemplate(body, payload, format).trim() };
}
