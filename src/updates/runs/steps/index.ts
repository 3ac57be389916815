import type { z } from 'zod';
import { KindRegistry } from '../../../lib/kinds.js';
import { noSecrets } from '../../../lib/secrets.js';
import { aptStep, commandStep, composerStep, npmStep, wpCliStep } from './commands.js';
import type { StepContext, StepOutcome, StepType } from './types.js';
import { wordpressPluginStep, wordpressThemeStep } from './wordpress.js';

export type { StepContext, StepOutcome, StepType } from './types.js';

/**
 * Every kind of update step with its behaviour; the union of a run's `steps`, the JSON Schema and
 * `GET /api/v1/kinds` follow from it (a key that is not its schema's `kind` does not compile).
 */
export const stepKinds = new KindRegistry('update step', 'kind', {
  'wp-cli': { kind: 'wp-cli', label: 'WP-CLI command', configSchema: wpCliStep.schema, secretFields: noSecrets, behaviour: wpCliStep },
  'wordpress-plugin': {
    kind: 'wordpress-plugin',
    label: 'WordPress plugin update',
    configSchema: wordpressPluginStep.schema,
    secretFields: noSecrets,
    behaviour: wordpressPluginStep,
  },
  'wordpress-theme': {
    kind: 'wordpress-theme',
    label: 'WordPress theme update',
    configSchema: wordpressThemeStep.schema,
    secretFields: noSecrets,
    behaviour: wordpressThemeStep,
  },
  composer: { kind: 'composer', label: 'Composer update', configSchema: composerStep.schema, secretFields: noSecrets, behaviour: composerStep },
  npm: { kind: 'npm', label: 'npm install', configSchema: npmStep.schema, secretFields: noSecrets, behaviour: npmStep },
  apt: { kind: 'apt', label: 'apt upgrade', configSchema: aptStep.schema, secretFields: noSecrets, behaviour: aptStep },
  command: { kind: 'command', label: 'A command', configSchema: commandStep.schema, secretFields: noSecrets, behaviour: commandStep },
});

export const stepSchema = stepKinds.schema;
export type UpdateStep = z.output<typeof stepSchema>;
export type StepKind = UpdateStep['kind'];

/** The step type of a step, typed so the step fits (TypeScript cannot narrow a map lookup by itself). */
export const stepTypeOf = <S extends UpdateStep>(step: S): StepType<z.ZodType<S>> => stepKinds.get(step.kind).behaviour as unknown as StepType<z.ZodType<S>>;

export const describeStep = (step: UpdateStep): string => stepTypeOf(step).describe(step);

export const runStep = (step: UpdateStep, ctx: StepContext): Promise<StepOutcome> => stepTypeOf(step).run(step, ctx);
