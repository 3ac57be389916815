import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { isStorageName, relativePath, type Backend, type FileHandle, type FileInfo, type FileType } from './types.js';

export const s3BackendSchema = z
  .object({
    kind: z.literal('s3'),
    /** The S3 API's address, e.g. `https://s3.eu-central-1.amazonaws.com` or a MinIO/Garage server. */
    endpoint: z.string().url(),
    region: z.string().default('us-east-1'),
    bucket: z.string().min(1),
    /** A folder inside the bucket, like restic's `s3:host/bucket/prefix`. */
    prefix: z.string().default(''),
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    /** Path-style addressing, which self-hosted S3 servers usually need. */
    forcePathStyle: z.boolean().default(true),
  })
  .strict();
export type S3BackendConfig = z.infer<typeof s3BackendSchema>;

/** Parts of a multipart upload; S3 needs at least 5 MiB per part, and packs are about 16 MiB. */
const partSize = 5 * 1024 * 1024;

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

function missing(handle: FileHandle, err: unknown): AppError {
  return new AppError('not_found', `repository file ${relativePath(handle)} does not exist`, { cause: err });
}

/** A repository in an S3 bucket; objects are written whole (multipart for packs), so readers never see half a file. */
export class S3Backend implements Backend {
  readonly location: string;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly config: S3BackendConfig) {
    this.prefix = config.prefix.replace(/^\/+|\/+$/g, '');
    this.location = `s3:${config.endpoint}/${config.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    });
  }

  private key(handle: FileHandle): string {
    return this.prefix ? `${this.prefix}/${relativePath(handle)}` : relativePath(handle);
  }

  async prepare(): Promise<void> {}

  async exists(handle: FileHandle): Promise<boolean> {
    return this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.key(handle) })).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
  }

  private async size(handle: FileHandle): Promise<number> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.key(handle) })).catch((err: unknown) => {
      throw isNotFound(err) ? missing(handle, err) : err;
    });
    return head.ContentLength ?? 0;
  }

  async save(handle: FileHandle, data: Buffer): Promise<void> {
    await new Upload({ client: this.client, params: { Bucket: this.config.bucket, Key: this.key(handle), Body: data }, partSize, queueSize: 2 }).done();
  }

  async load(handle: FileHandle, offset = 0, length?: number): Promise<Buffer> {
    // Suffix ranges (`bytes=-N`) are answered wrongly by some S3 servers, so a tail read asks for the size first.
    const start = offset < 0 ? Math.max(0, (await this.size(handle)) + offset) : offset;
    const range = length === undefined ? (start > 0 ? `bytes=${start}-` : undefined) : `bytes=${start}-${start + length - 1}`;
    const answer = await this.client
      .send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(handle), ...(range ? { Range: range } : {}) }))
      .catch((err: unknown) => {
        throw isNotFound(err) ? missing(handle, err) : err;
      });
    return Buffer.from(await answer.Body!.transformToByteArray());
  }

  async list(type: Exclude<FileType, 'config'>): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    const folder = this.prefix ? `${this.prefix}/${type}/` : `${type}/`;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: folder, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const item of page.Contents ?? []) {
        const name = item.Key?.split('/').pop() ?? '';
        if (isStorageName(name)) out.push({ name, size: item.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async remove(handle: FileHandle): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.key(handle) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
