import { randomBytes } from 'node:crypto';
import { decompress } from 'zstd-napi';
import { AppError } from '../../lib/errors.js';
import type { Backend, FileType } from '../backends/types.js';
import { randomPolynomial, type Pol } from '../chunker/polynomial.js';
import { newMasterKey, open, seal, sha256Hex, type MasterKey } from '../crypto.js';
import { decodeUnpacked, encodeUnpacked, type BlobType, type ConfigJson, type IndexJson } from './format.js';
import { addKey, openMasterKey } from './keys.js';
import { indexJson, MasterIndex, type BlobLocation } from './master-index.js';
import { PackWriter, targetPackSize, type PackedBlob } from './pack.js';

/** Packs uploaded at once: enough to hide a remote backend's latency without holding many packs in memory. */
const parallelUploads = 2;
/** An index file is written after this many packs, so an interrupted backup still leaves most data indexed. */
const packsPerIndexFile = 50;

export type UnpackedType = Exclude<FileType, 'config' | 'keys' | 'data'>;

/**
 * An open restic repository (format version 2): its master key, config, index and pack writers.
 *
 * @example const repo = await Repository.open(new LocalBackend({ kind: 'local', path }), password)
 */
export class Repository {
  readonly index = new MasterIndex();
  readonly polynomial: Pol;
  private readonly writers = new Map<BlobType, PackWriter>();
  private readonly pending = new Set<string>();
  private readonly unindexed = new Map<string, PackedBlob[]>();
  private readonly uploads = new Set<Promise<void>>();
  private uploadError: Error | undefined;

  private constructor(
    readonly backend: Backend,
    readonly key: MasterKey,
    readonly config: ConfigJson,
  ) {
    this.polynomial = BigInt(`0x${config.chunker_polynomial}`);
  }

  /** Creates a new, empty repository; refuses when the backend already holds one. */
  static async init(backend: Backend, password: string): Promise<Repository> {
    if (await backend.exists({ type: 'config', name: '' })) throw new AppError('conflict', `a repository already exists at ${backend.location}`);
    await backend.prepare();
    const key = newMasterKey();
    const config: ConfigJson = { version: 2, id: randomBytes(32).toString('hex'), chunker_polynomial: randomPolynomial().toString(16) };
    await addKey(backend, password, key);
    // The config stays plain JSON: restic reads it before it knows the format version.
    await backend.save({ type: 'config', name: '' }, seal(key, Buffer.from(JSON.stringify(config))));
    return new Repository(backend, key, config);
  }

  static async open(backend: Backend, password: string): Promise<Repository> {
    if (!(await backend.exists({ type: 'config', name: '' }))) throw new AppError('not_found', `no repository at ${backend.location}`);
    const key = await openMasterKey(backend, password);
    const config = decodeUnpacked<ConfigJson>(open(key, await backend.load({ type: 'config', name: '' })));
    if (config.version !== 1 && config.version !== 2) throw new AppError('invalid_input', `unsupported repository version ${config.version}`);
    const repo = new Repository(backend, key, config);
    await repo.loadIndex();
    return repo;
  }

  async loadIndex(): Promise<void> {
    for (const { name } of await this.backend.list('index')) {
      if (!this.index.files.has(name)) this.index.addFile(name, await this.loadUnpacked<IndexJson>('index', name));
    }
  }

  async saveUnpacked(type: UnpackedType, value: unknown): Promise<string> {
    const sealed = seal(this.key, encodeUnpacked(value, this.config.version));
    const id = sha256Hex(sealed);
    await this.backend.save({ type, name: id }, sealed);
    return id;
  }

  async loadUnpacked<T>(type: UnpackedType, id: string): Promise<T> {
    const sealed = await this.backend.load({ type, name: id });
    if (sha256Hex(sealed) !== id) throw new AppError('invalid_input', `${type}/${id} is damaged: its content does not match its name`);
    return decodeUnpacked<T>(open(this.key, sealed));
  }

  hasBlob(id: string): boolean {
    return this.index.has(id) || this.pending.has(id);
  }

  /** Stores a blob unless the repository has it already; returns the bytes it added to the pack. */
  async saveBlob(type: BlobType, plaintext: Buffer, id = sha256Hex(plaintext)): Promise<{ id: string; added: number }> {
    if (this.uploadError !== undefined) throw this.uploadError;
    if (this.hasBlob(id)) return { id, added: 0 };
    let writer = this.writers.get(type);
    if (!writer) {
      writer = new PackWriter(this.key, this.config.version >= 2);
      this.writers.set(type, writer);
    }
    this.pending.add(id);
    const blob = writer.add(type, id, plaintext);
    if (writer.byteLength >= targetPackSize) await this.finishPack(type, writer);
    return { id, added: blob.length };
  }

  private async finishPack(type: BlobType, writer: PackWriter): Promise<void> {
    this.writers.delete(type);
    const { id, bytes } = writer.finish();
    while (this.uploads.size >= parallelUploads) await Promise.race(this.uploads);
    const upload = this.backend.save({ type: 'data', name: id }, bytes).then(
      async () => {
        this.index.addPack(id, writer.blobs);
        for (const blob of writer.blobs) this.pending.delete(blob.id);
        this.unindexed.set(id, writer.blobs);
        if (this.unindexed.size >= packsPerIndexFile) await this.writeIndex();
      },
      (err: unknown) => {
        this.uploadError = err instanceof Error ? err : new Error(String(err));
      },
    );
    const tracked = upload.finally(() => this.uploads.delete(tracked));
    this.uploads.add(tracked);
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.size === 0) return;
    const packs = new Map(this.unindexed);
    this.unindexed.clear();
    this.index.files.add(await this.saveUnpacked('index', indexJson(packs)));
  }

  /** Writes every open pack and the index entries for all packs of this session; call before saving a snapshot. */
  async flush(): Promise<void> {
    for (const [type, writer] of [...this.writers]) await this.finishPack(type, writer);
    while (this.uploads.size > 0) await Promise.race(this.uploads);
    if (this.uploadError !== undefined) throw new AppError('unavailable', `could not write to ${this.backend.location}`, { cause: this.uploadError });
    await this.writeIndex();
  }

  async loadBlob(id: string): Promise<Buffer> {
    const where = this.index.get(id);
    if (!where) throw new AppError('not_found', `blob ${id} is not in the repository index`);
    return this.readBlob(where, await this.backend.load({ type: 'data', name: where.packId }, where.offset, where.length));
  }

  /** Decrypts, decompresses and verifies one blob whose encrypted bytes were already read. */
  readBlob(where: BlobLocation, sealed: Buffer): Buffer {
    const plain = open(this.key, sealed);
    const data = where.uncompressedLength === undefined ? plain : decompress(plain);
    if (sha256Hex(data) !== where.id) throw new AppError('invalid_input', `blob ${where.id} in pack ${where.packId} is damaged`);
    return data;
  }
}
