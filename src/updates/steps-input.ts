import { z } from 'zod';
import { stepSchema } from './runs/steps/index.js';

/** Steps asked for in the API: no shell commands, no downloads from elsewhere — those belong to upkeep.yaml or the CLI's spec file. */
export const requestedSteps = z
  .array(stepSchema)
  .min(1)
  .max(50)
  .superRefine((steps, ctx) => {
    for (const [i, s] of steps.entries()) {
      if (s.kind === 'command')
        ctx.addIssue({
          code: 'custom',
          path: [i, 'kind'],
          message: 'command steps are written in a run spec file (upkeep updates run --spec), not sent to the API',
        });
      if ((s.kind === 'wordpress-plugin' || s.kind === 'wordpress-theme') && s.url !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'url'],
          message: 'releases are downloaded from WordPress.org (updates.sites.wordpressDownloads), not from a URL sent to the API',
        });
    }
  });
