/**
 * A task that runs once at a time however often it is asked for: a call while it runs asks for one
 * more run after it (calls meanwhile share that one), so a burst of change notices costs two reads,
 * and the last read starts after the last notice. Each call's promise settles with the run that
 * covers it.
 *
 * @example
 * const reload = coalesced(() => pages.refresh());
 * for (const notice of burst) void reload(); // one run now, one after it
 */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const run = (): Promise<void> => {
    if (!running) {
      running = task().finally(() => (running = undefined));
      return running;
    }
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return run();
      });
    return next;
  };
  return run;
}
