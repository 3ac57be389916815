import { createHash } from 'node:crypto';

function weight(node: string, monitorId: number): number {
  return createHash('md5').update(`${node}\0${monitorId}`).digest().readUIntBE(0, 6);
}

/**
 * The node that checks a monitor: rendezvous (highest random weight) hashing over the live nodes.
 * Every node computes the same answer from the same list, with no coordination per check; when a
 * node leaves only its monitors move (each to the node that ranks next), and a node that joins
 * takes about 1/n of the monitors from the others.
 *
 * @example ownerOf(42, ['a', 'b', 'c']) // 'b', on every node
 */
export function ownerOf(monitorId: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const node of nodes) {
    const w = weight(node, monitorId);
    if (w > bestWeight || (w === bestWeight && best !== undefined && node < best)) [best, bestWeight] = [node, w];
  }
  return best;
}
