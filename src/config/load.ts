import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { AppError, type ErrorDetail } from '../lib/errors.js';
import { formatPath } from './messages.js';
import type { Config } from './schema.js';

export type Path = (string | number)[];

/** A config read from a file: the validated value, and the `${VAR}` templates it was written with. */
export interface LoadedConfig {
  file: string;
  config: Config;
  /** Written form of every string that came from the environment, by its dotted path (`sites.0.monitors.1.auth.password`). */
  envRefs: Map<string, string>;
}

const reference = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` (and `${NAME:-default}`) with the environment's value; `$${` writes a literal `${`.
 * Returns undefined when nothing was replaced, and lists the variables that are not set.
 */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv): { value: string; missing: string[] } | undefined {
  let replaced = false;
  const missing: string[] = [];
  const value = text.replace(reference, (match, name: string | undefined, fallback: string | undefined) => {
    replaced = true;
    if (match === '$${') return '${';
    const found = env[name!];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return replaced ? { value, missing } : undefined;
}

function locate(file: string, lines: LineCounter, node: Node | undefined | null, fallback = 0): string {
  const offset = node?.range?.[0] ?? fallback;
  const { line, col } = lines.linePos(offset);
  return `${file}:${line}:${col}`;
}

/** Walks every scalar value (not keys) with its path. */
function walkScalars(node: unknown, path: Path, visit: (scalar: { value: unknown; range?: unknown }, path: Path) => void): void {
  if (isScalar(node)) visit(node, path);
  else if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      walkScalars(pair.value, [...path, key], visit);
    }
  } else if (isSeq(node)) node.items.forEach((item, i) => walkScalars(item, [...path, i], visit));
}

/** The YAML node an issue is about: the value at the path, the key for unknown fields, or the nearest parent that exists. */
function nodeFor(doc: Document, issue: z.core.$ZodIssue): Node | undefined {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    const map = path.length ? doc.getIn(path, true) : doc.contents;
    if (isMap(map)) {
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === issue.keys[0]);
      if (pair && isScalar(pair.key)) return pair.key;
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const found = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (found && typeof found === 'object' && 'range' in found) return found as Node;
  }
  return undefined;
}

/**
 * Parses and validates config text against a schema (the whole file's: see src/config-file.ts);
 * every problem is reported as `file:line:column path: message`.
 */
export function parseWith<T>(
  schema: z.ZodType<T>,
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { file: string; config: T; envRefs: Map<string, string> } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const details: ErrorDetail[] = [];
  for (const err of doc.errors) {
    const { line, col } = lines.linePos(err.pos[0]);
    details.push({ path: `${file}:${line}:${col}`, message: err.message.split('\n')[0] ?? err.message });
  }
  if (details.length) throw configError(file, details);

  const envRefs = new Map<string, string>();
  walkScalars(doc.contents, [], (scalar, path) => {
    if (typeof scalar.value !== 'string') return;
    const result = substituteEnv(scalar.value, env);
    if (!result) return;
    for (const missing of result.missing) {
      details.push({ path: `${locate(file, lines, scalar as Node)} ${formatPath(path)}`, message: `environment variable ${missing} is not set` });
    }
    envRefs.set(path.join('.'), scalar.value);
    scalar.value = result.value;
  });
  if (details.length) throw configError(file, details);

  const parsed = schema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const node = nodeFor(doc, issue);
      details.push({ path: `${locate(file, lines, node)} ${formatPath(issue.path) || '(top level)'}`, message: issue.message });
    }
    throw configError(file, details);
  }
  return { file: file, config: parsed.data, envRefs };
}

function configError(file: string, details: ErrorDetail[]): AppError {
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  return new AppError('invalid_config', `${first.path}: ${first.message}${more}`, { details });
}

/** A config file's text; a missing or unreadable file is a clear config error. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppError(
      'invalid_config',
      code === 'ENOENT' ? `config file ${file} does not exist` : `cannot read config file ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
