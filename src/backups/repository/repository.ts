import { randomBytes } from 'node:crypto';
import { decompress } from 'zstd-napi';
import { AppError, describeError } from '../../lib/errors.js';
import type { Backend, FileType } from '../backends/types.js';
import { randomPolynomial, type Pol } from '../chunker/polynomial.js';
import { newMasterKey, open, seal, sha256Hex, type MasterKey } from '../crypto.js';
import { decodeUnpacked, encodeUnpacked, type BlobType, type ConfigJson, type IndexJson } from './format.js';
import { addKey, openMasterKey } from './keys.js';
import { indexJson, MasterIndex, type BlobLocation } from './master-index.js';
import { PackWriter, targetPackSize, type FinishedPack, type PackedBlob } from './pack.js';

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
  private readonly unindexed = new Map<string, readonly PackedBlob[]>();
  private readonly uploads = new Set<Promise<void>>();
  /** The first failure of an upload or index write; every later write throws it. */
  private failure: Error | undefined;
  /** Blobs and encrypted bytes this session stored. */
  readonly added = { blobs: 0, bytes: 0 };

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

  get compression(): boolean {
    return this.config.version >= 2;
  }

  /** Claims a blob id for this session: true when the repository has no such blob yet, and the caller must now store it. */
  reserve(id: string): boolean {
    // A failed upload stops the backup at its next new blob, not only when it flushes.
    this.throwIfFailed();
    if (this.hasBlob(id)) return false;
    this.pending.add(id);
    return true;
  }

  /**
   * Seals a blob on this thread and packs it, unless the repository has it already: for trees and other
   * small blobs. A backup's file contents go through its worker pool, which hands finished packs to `savePack`.
   */
  async saveBlob(type: BlobType, plaintext: Uint8Array, id = sha256Hex(plaintext)): Promise<{ id: string; isNew: boolean }> {
    if (!this.reserve(id)) return { id, isNew: false };
    let writer = this.writers.get(type);
    if (!writer) {
      writer = new PackWriter(this.key, this.compression);
      this.writers.set(type, writer);
    }
    writer.add(type, id, plaintext);
    if (writer.byteLength >= targetPackSize) {
      this.writers.delete(type);
      void this.savePack(writer.finish());
    }
    while (this.uploads.size >= parallelUploads) await Promise.race(this.uploads);
    this.throwIfFailed();
    return { id, isNew: true };
  }

  /**
   * Uploads a finished pack, then indexes its blobs (an index file every 50 packs). Never rejects: a
   * failure is kept, and every later write and `flush` throws it, so no snapshot can name the lost blobs.
   */
  savePack(pack: FinishedPack): Promise<void> {
    const upload = this.backend
      .save({ type: 'data', name: pack.id }, pack.bytes)
      .then(async () => {
        this.index.addPack(pack.id, pack.blobs);
        for (const blob of pack.blobs) this.pending.delete(blob.id);
        this.added.blobs += pack.blobs.length;
        this.added.bytes += pack.blobs.reduce((n, b) => n + b.length, 0);
        this.unindexed.set(pack.id, pack.blobs);
        if (this.unindexed.size >= packsPerIndexFile) await this.writeIndex();
      })
      .catch((err: unknown) => {
        this.failure ??= new AppError('unavailable', `could not write to ${this.backend.location}: ${describeError(err)}`, { cause: err });
      })
      .finally(() => this.uploads.delete(upload));
    this.uploads.add(upload);
    return upload;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.size === 0) return;
    const packs = new Map(this.unindexed);
    this.unindexed.clear();
    this.index.files.add(await this.saveUnpacked('index', indexJson(packs)));
  }

  /** Writes every open pack and the index entries for all packs of this session; call before saving a snapshot. */
  async flush(): Promise<void> {
    for (const [type, writer] of [...this.writers]) {
      this.writers.delete(type);
      void this.savePack(writer.finish());
    }
    await this.settle();
    this.throwIfFailed();
    await this.writeIndex();
  }

  /** Waits until no pack is being uploaded, whatever the outcome; never throws. */
  async settle(): Promise<void> {
    while (this.uploads.size > 0) await Promise.race(this.uploads);
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
