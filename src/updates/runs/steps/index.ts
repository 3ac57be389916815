import { z } from 'zod';
import { aptStep, commandStep, composerStep, npmStep, wpCliStep } from './commands.js';
import type { StepContext, StepOutcome, StepType } from './types.js';
import { wordpressPluginStep, wordpressThemeStep } from './wordpress.js';

export type { StepContext, StepOutcome, StepType } from './types.js';

export const stepSchema = z.discriminatedUnion('kind', [
  wpCliStep.schema,
  wordpressPluginStep.schema,
  wordpressThemeStep.schema,
  composerStep.schema,
  npmStep.schema,
  aptStep.schema,
  commandStep.schema,
]);
export type UpdateStep = z.output<typeof stepSchema>;
export type StepKind = UpdateStep['kind'];

/** Every kind of update step with its behaviour; a kind missing here is a compile error. */
export const stepTypes = {
  'wp-cli': wpCliStep,
  'wordpress-plugin': wordpressPluginStep,
  'wordpress-theme': wordpressThemeStep,
  composer: composerStep,
  npm: npmStep,
  apt: aptStep,
  command: commandStep,
} satisfies { [K in StepKind]: StepType<z.ZodType<Extract<UpdateStep, { kind: K }>>> };

/** The step type of a step, typed so the step fits (TypeScript cannot narrow a map lookup by itself). */
export const stepTypeOf = <S extends UpdateStep>(step: S): StepType<z.ZodType<S>> => stepTypes[step.kind] as unknown as StepType<z.ZodType<S>>;

export const describeStep = (step: UpdateStep): string => stepTypeOf(step).describe(step);

export const runStep = (step: UpdateStep, ctx: StepContext): Promise<StepOutcome> => stepTypeOf(step).run(step, ctx);
