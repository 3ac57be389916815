import { z } from 'zod';
import { commandOutput } from './spawn-stream.js';
import type { SourceType } from './types.js';

export const commandSourceSchema = z
  .object({
    kind: z.literal('command'),
    /** The program and its arguments, run without a shell. */
    command: z.array(z.string().min(1)).min(1),
    /** The file name the output gets in the snapshot. */
    filename: z.string().regex(/^[^/\0]+$/),
  })
  .strict();

export const commandSource = {
  kind: 'command',
  configSchema: commandSourceSchema,
  open: async (config) => ({ kind: 'stream', filename: config.filename, stream: commandOutput(config.command), close: async () => {} }),
} satisfies SourceType<typeof commandSourceSchema>;
