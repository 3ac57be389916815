import { describe, expect, it } from 'vitest';
import { ownerOf } from './rendezvous.js';

const ids = Array.from({ length: 3_000 }, (_, i) => i + 1);

describe('rendezvous hashing of monitors over nodes', () => {
  it('gives every node about a third of the monitors', () => {
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(ownerOf(id, ['a', 'b', 'c'])!, (counts.get(ownerOf(id, ['a', 'b', 'c'])!) ?? 0) + 1);
    for (const node of ['a', 'b', 'c']) expect(counts.get(node)).toBeGreaterThan(850);
  });

  it('moves only the monitors of a node that leaves, and does not depend on the order of the list', () => {
    for (const id of ids) {
      const before = ownerOf(id, ['a', 'b', 'c']);
      expect(ownerOf(id, ['c', 'a', 'b'])).toBe(before);
      const after = ownerOf(id, ['a', 'c']);
      if (before !== 'b') expect(after).toBe(before);
      else expect(['a', 'c']).toContain(after);
    }
  });

  it('has no owner without live nodes', () => {
    expect(ownerOf(1, [])).toBeUndefined();
  });
});
