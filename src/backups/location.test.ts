import { describe, expect, it } from 'vitest';
import { parseLocation } from './location.js';

const env = { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
const ssh = { env: {}, sshKey: '/keys/id_ed25519' };

describe('repository locations in restic syntax', () => {
  it('reads local folders', () => {
    expect(parseLocation('/var/backups/www', { env })).toEqual({ kind: 'local', path: '/var/backups/www' });
    expect(parseLocation('relative/repo', { env })).toEqual({ kind: 'local', path: 'relative/repo' });
  });

  it('reads s3: with and without a scheme, with a folder inside the bucket', () => {
    expect(parseLocation('s3:http://127.0.0.1:9000/backups/sites/www', { env })).toEqual({
      kind: 's3',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      bucket: 'backups',
      prefix: 'sites/www',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    expect(parseLocation('s3:s3.amazonaws.com/bucket', { env: { ...env, AWS_DEFAULT_REGION: 'eu-north-1' } })).toMatchObject({
      endpoint: 'https://s3.amazonaws.com',
      bucket: 'bucket',
      prefix: '',
      region: 'eu-north-1',
      forcePathStyle: false,
    });
  });

  it('reads both sftp: forms', () => {
    expect(parseLocation('sftp:backup@files.example.com:/srv/restic', ssh)).toEqual({
      kind: 'sftp',
      host: 'files.example.com',
      port: 22,
      username: 'backup',
      privateKeyPath: '/keys/id_ed25519',
      path: '/srv/restic',
    });
    expect(parseLocation('sftp://backup@[::1]:2222//srv/restic', { ...ssh, sshHostKey: 'SHA256:abc' })).toMatchObject({
      host: '::1',
      port: 2222,
      path: '/srv/restic',
      hostKeySha256: 'SHA256:abc',
    });
  });

  it('says what is wrong with a location it cannot use', () => {
    expect(() => parseLocation('s3:http://127.0.0.1:9000/', { env })).toThrow('name a bucket');
    expect(() => parseLocation('s3:http://127.0.0.1:9000/b', { env: {} })).toThrow('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(() => parseLocation('sftp:host:relative/path', ssh)).toThrow('write the folder absolute');
    expect(() => parseLocation('sftp://host/relative', ssh)).toThrow('two slashes');
    expect(() => parseLocation('rest:http://host:8000/', { env })).toThrow(`restic's "rest:" backend is not supported`);
    expect(() => parseLocation('', { env })).toThrow('it is empty');
  });
});
