import { z } from 'zod';
import { LocalBackend, localBackendSchema } from './local.js';
import { S3Backend, s3BackendSchema } from './s3.js';
import { SftpBackend, sftpBackendSchema } from './sftp.js';
import type { Backend } from './types.js';

export const backendConfigSchema = z.discriminatedUnion('kind', [localBackendSchema, s3BackendSchema, sftpBackendSchema]);
export type BackendConfig = z.infer<typeof backendConfigSchema>;
export type BackendKind = BackendConfig['kind'];

interface BackendType<K extends BackendKind> {
  open(config: Extract<BackendConfig, { kind: K }>): Backend;
}

/** Every backend kind; a kind missing here is a compile error. */
export const backendTypes = {
  local: { open: (config) => new LocalBackend(config) },
  s3: { open: (config) => new S3Backend(config) },
  sftp: { open: (config) => new SftpBackend(config) },
} satisfies { [K in BackendKind]: BackendType<K> };

export function openBackend(config: BackendConfig): Backend {
  return (backendTypes[config.kind] as BackendType<BackendKind>).open(config);
}
