import type { z } from 'zod';
import { KindRegistry } from '../../lib/kinds.js';
import { noSecrets, secretFields } from '../../lib/secrets.js';
import { LocalBackend, localBackendSchema } from './local.js';
import { S3Backend, s3BackendSchema } from './s3.js';
import { SftpBackend, sftpBackendSchema } from './sftp.js';
import type { Backend } from './types.js';

/**
 * Every kind of place a backup repository is kept, with how to open it; the union of `backend:`, the
 * JSON Schema and `GET /api/v1/kinds` follow from it (a key that is not its schema's `kind` does not compile).
 */
export const backendKinds = new KindRegistry('backup target', 'kind', {
  local: {
    kind: 'local',
    label: 'A folder on this machine',
    configSchema: localBackendSchema,
    secretFields: noSecrets,
    behaviour: { open: (config: z.output<typeof localBackendSchema>): Backend => new LocalBackend(config) },
  },
  s3: {
    kind: 's3',
    label: 'S3-compatible object storage',
    configSchema: s3BackendSchema,
    secretFields: secretFields(['secretAccessKey'], ['endpoint', 'bucket']),
    behaviour: { open: (config: z.output<typeof s3BackendSchema>): Backend => new S3Backend(config) },
  },
  sftp: {
    kind: 'sftp',
    label: 'A server over SFTP',
    configSchema: sftpBackendSchema,
    secretFields: secretFields(['password'], ['host', 'port']),
    behaviour: { open: (config: z.output<typeof sftpBackendSchema>): Backend => new SftpBackend(config) },
  },
});

export const backendConfigSchema = backendKinds.schema;
export type BackendConfig = z.infer<typeof backendConfigSchema>;
export type BackendKind = BackendConfig['kind'];

export function openBackend(config: BackendConfig): Backend {
  // The registry's key and the config's kind always agree; TypeScript cannot correlate the two unions.
  const kind: string = config.kind;
  return (backendKinds.get(kind).behaviour as { open(config: BackendConfig): Backend }).open(config);
}
