import { z } from 'zod';
import { localFs } from '../archive/source-fs.js';
import type { SourceType } from './types.js';

export const dirSourceSchema = z.object({ kind: z.literal('dir'), paths: z.array(z.string().min(1)).min(1) }).strict();

export const dirSource = {
  kind: 'dir',
  configSchema: dirSourceSchema,
  open: async (config) => ({ kind: 'paths', fs: localFs, paths: config.paths, close: async () => {} }),
} satisfies SourceType<typeof dirSourceSchema>;
