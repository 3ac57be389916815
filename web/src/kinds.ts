import { api } from './api';
import { useLoad } from './hooks';

/** A JSON Schema node, as `GET /kinds` gives each kind's config. */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** One kind of a plugin family, as the server's registry describes it. */
export interface KindInfo {
  kind: string;
  label: string;
  schema: JsonSchema;
  secretFields: { path: string; note?: string }[];
}

export type Family = 'monitors' | 'channels';
type Kinds = Record<Family, KindInfo[]>;

// One request per page load: the kinds change only with the server's code.
let loading: Promise<Kinds> | null = null;
const loadKinds = (): Promise<Kinds> => {
  loading ??= api<Kinds>('/kinds').catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
};

/** The kinds of one family (the list the dashboard offers), loaded from the API. */
export function useKinds(family: Family) {
  return useLoad(async () => (await loadKinds())[family], [family]);
}

/** A field of a kind the dashboard can show as one input: text, a number, a switch or a choice. */
export interface SchemaField {
  key: string;
  label: string;
  hint?: string;
  input: 'text' | 'number' | 'checkbox' | 'select' | 'password';
  options?: string[];
  required: boolean;
}

const typeOf = (node: JsonSchema): string | undefined => (Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type);
const words = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/**
 * The top-level fields of a kind that are one plain value, in the schema's order, leaving out those
 * the form shows itself (`skip`); lists and nested objects are kept as they are (written in upkeep.yaml).
 */
export function schemaFields(kind: KindInfo, skip: ReadonlySet<string>): SchemaField[] {
  const required = new Set(kind.schema.required ?? []);
  const secret = new Set(kind.secretFields.map((f) => f.path));
  return Object.entries(kind.schema.properties ?? {}).flatMap(([key, node]): SchemaField[] => {
    if (skip.has(key)) return [];
    const type = typeOf(node);
    const field = {
      key,
      label: words(key),
      required: required.has(key) && node.default === undefined,
      ...(node.description ? { hint: node.description } : {}),
    };
    if (node.enum?.every((v) => typeof v === 'string')) return [{ ...field, input: 'select', options: node.enum }];
    if (type === 'boolean') return [{ ...field, input: 'checkbox' }];
    if (type === 'number' || type === 'integer') return [{ ...field, input: 'number' }];
    if (type === 'string') return [{ ...field, input: secret.has(key) ? 'password' : 'text' }];
    return [];
  });
}

/** The fields every kind of a family has (names, tags, alerting): the family's, not one kind's own. */
export function sharedFields(kinds: readonly KindInfo[]): ReadonlySet<string> {
  const [first, ...rest] = kinds.map((kind) => Object.keys(kind.schema.properties ?? {}));
  return new Set((first ?? []).filter((key) => rest.every((keys) => keys.includes(key))));
}
