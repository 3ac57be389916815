import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { KindRegistry } from '../../src/lib/kinds.js';
import { noSecrets } from '../../src/lib/secrets.js';

const schemaOf = <const K extends string>(kind: K) => z.object({ type: z.literal(kind), name: z.string() }).strict();
const kindOf = <const K extends string>(kind: K) => ({ kind, label: kind, configSchema: schemaOf(kind), secretFields: noSecrets, behaviour: null });

/**
 * A registry's map is checked by the compiler (`npm run check` compiles this file): an entry whose
 * key is not its kind, or whose schema says another kind, or that has no schema, does not compile;
 * each `@ts-expect-error` below fails the check if the line under it ever compiles. The union is
 * derived from the map, so no schema can be left out of it.
 */
describe('plugin registries', () => {
  it('refuse, at compile time, an entry whose key, kind and schema disagree or that has no schema', () => {
    const made = () => [
      // @ts-expect-error the key says "a", the kind says "b"
      new KindRegistry('thing', 'type', { a: kindOf('b') }),
      // @ts-expect-error the schema's type is "b", not the kind "a"
      new KindRegistry('thing', 'type', { a: { ...kindOf('a'), configSchema: schemaOf('b') } }),
      // @ts-expect-error a kind without a schema
      new KindRegistry('thing', 'type', { a: { kind: 'a', label: 'A', secretFields: noSecrets, behaviour: null } }),
    ];
    expect(made).toBeTypeOf('function');
  });

  it('derive the union from the map: every kind parses, nothing else does, and the error names the kinds', () => {
    const things = new KindRegistry('thing', 'type', { a: kindOf('a'), b: kindOf('b') });
    things.register(kindOf('c'));
    expect(things.schema.parse({ type: 'c', name: 'x' })).toEqual({ type: 'c', name: 'x' });
    expect(things.schema.safeParse({ type: 'd', name: 'x' }).success).toBe(false);
    expect(things.names()).toEqual(['a', 'b', 'c']);
    expect(() => things.get('d')).toThrow('unknown thing type "d": expected one of a, b, c');
    expect(() => things.register(kindOf('e'))).toThrow(/came after the thing kinds were read/);
  });
});
