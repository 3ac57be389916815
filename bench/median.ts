/** The median time of `runs` calls of `fn` one after the other, in ms to a tenth. */
export async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return Number(times.sort((a, b) => a - b)[runs >> 1]!.toFixed(1));
}
