import { createResolver, type Resolver } from '../../lib/net/index.js';
import type { CheckJob, Dispatcher } from '../dispatcher.js';
import type { CheckResult } from '../result.js';
import { monitorKinds } from '../monitor.schema.js';
import type { CheckContext, CheckType, ProbeType, SpecOf } from './check.js';

/** Runs one check of any type with the given context; a type without a check (a heartbeat) is a down result. */
export function runCheck(spec: SpecOf<ProbeType>, ctx: CheckContext): Promise<CheckResult> {
  // The registry's key and the spec's type always agree; TypeScript cannot correlate the two unions.
  const check = monitorKinds.get(spec.type).behaviour as CheckType<ProbeType> | null;
  if (!check) return Promise.resolve({ status: 'down', message: `a ${spec.type} monitor is not run by Upkeep` });
  return check.run(spec, ctx);
}

/** Runs checks in this process. */
export class LocalDispatcher implements Dispatcher {
  private readonly resolver: Resolver;

  constructor(
    private readonly options: { resolvers?: readonly string[] | undefined; ca?: readonly string[] | undefined; userAgent?: string | undefined } = {},
  ) {
    this.resolver = createResolver({ ...(options.resolvers?.length ? { servers: [...options.resolvers] } : {}), timeoutMs: 2_500, tries: 2 });
  }

  run(job: CheckJob): Promise<CheckResult> {
    const spec = job.monitor.spec;
    if (spec.type === 'heartbeat') return Promise.resolve({ status: 'down', message: 'a heartbeat is not run; it is pinged' });
    return this.runSpec(spec, job.allowPrivate, job.signal);
  }

  /** Runs one check of a definition (a probe has definitions, not stored monitors). */
  runSpec(spec: SpecOf<ProbeType>, allowPrivate: boolean, signal: AbortSignal): Promise<CheckResult> {
    return runCheck(spec, {
      policy: { allowPrivate },
      resolver: this.resolver,
      signal,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      ...(this.options.userAgent ? { userAgent: this.options.userAgent } : {}),
    });
  }
}
