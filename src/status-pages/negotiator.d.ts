/** The one negotiator call Upkeep uses (its DefinitelyTyped types lack the `preferred` option of 1.0). */
declare module 'negotiator' {
  class Negotiator {
    constructor(request: { headers: Record<string, string | undefined> });
    /** The coding to send: the client's q-values decide, `preferred` orders the ones it likes alike; undefined when none is acceptable. */
    encoding(available: readonly string[], options?: { preferred?: readonly string[] }): string | undefined;
  }
  export = Negotiator;
}
