import { randomBytes } from 'node:crypto';
import { decompress } from 'zstd-napi';
import { AppError, describeError } from '../../lib/errors.js';
import type { Backend, FileType } from '../backends/types.js';
import { randomPolynomial, type Pol } from '../chunker/polynomial.js';
import { newMasterKey, open, seal, sha256Hex, type MasterKey } from '../crypto.js';
import { decodeUnpacked, encodeUnpacked, type BlobType, type ConfigJson, type IndexJson } from './format.js';
import { addKey, openMasterKey } from './keys.js';
import { indexJson, MasterIndex, type BlobLocation } from './master-index.js';
import { PackWriter, sealBlob, targetPackSize, type PackedBlob, type SealedBlob } from './pack.js';

/** Packs uploaded at once: enough to hide a remote backend's latency without holding many packs in memory. */
const parallelUploads = 2;
/** Plaintext handed to the sealer and not yet in a pack; past this, saveBlob waits (the backup's back-pressure). */
const sealingBudget = 32 * 1024 * 1024;
/** An index file is written after this many packs, so an interrupted backup still leaves most data indexed. */
const packsPerIndexFile = 50;

export type UnpackedType = Exclude<FileType, 'config' | 'keys' | 'data'>;

/** Compresses and encrypts blobs elsewhere (the backup's worker threads); the plaintext may be handed over. */
export interface BlobSealer {
  seal(plaintext: Uint8Array): Promise<SealedBlob>;
}

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
  private readonly sealing = new Set<Promise<void>>();
  private sealingBytes = 0;
  private sealer: BlobSealer | undefined;
  /** The first failure of background work (sealing, uploads, index writes); every later call throws it. */
  private failure: Error | undefined;
  /** Blobs and encrypted bytes this session added to packs. */
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

  /** Seals new blobs with `sealer` (the backup's worker pool) until called again with undefined; the default seals inline. */
  sealWith(sealer: BlobSealer | undefined): void {
    this.sealer = sealer;
  }

  /**
   * Stores a blob unless the repository has it already. With a sealer, the blob is compressed, encrypted
   * and packed in the background and this returns once there is room for more; `flush` waits for all.
   * The plaintext must not be used afterwards (a sealer may take its memory).
   */
  async saveBlob(type: BlobType, plaintext: Uint8Array, id = sha256Hex(plaintext)): Promise<{ id: string; isNew: boolean }> {
    this.throwIfFailed();
    if (this.hasBlob(id)) return { id, isNew: false };
    this.pending.add(id);
    if (this.sealer) this.sealInBackground(this.sealer, type, id, plaintext);
    else this.pack(type, id, sealBlob(this.key, plaintext, this.compression));
    while ((this.sealingBytes > sealingBudget || this.uploads.size >= parallelUploads) && this.failure === undefined) {
      await Promise.race([...this.sealing, ...this.uploads]);
    }
    this.throwIfFailed();
    return { id, isNew: true };
  }

  private sealInBackground(sealer: BlobSealer, type: BlobType, id: string, plaintext: Uint8Array): void {
    const bytes = plaintext.length;
    this.sealingBytes += bytes;
    const job = sealer
      .seal(plaintext)
      .then((sealed) => this.pack(type, id, sealed))
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.sealing.delete(job);
        this.sealingBytes -= bytes;
      });
    this.sealing.add(job);
  }

  private pack(type: BlobType, id: string, sealed: SealedBlob): void {
    let writer = this.writers.get(type);
    if (!writer) {
      writer = new PackWriter(this.key);
      this.writers.set(type, writer);
    }
    const blob = writer.add(type, id, sealed);
    this.added.blobs += 1;
    this.added.bytes += blob.length;
    if (writer.byteLength >= targetPackSize) this.upload(type, writer);
  }

  private upload(type: BlobType, writer: PackWriter): void {
    this.writers.delete(type);
    const { id, bytes } = writer.finish();
    const upload = this.backend
      .save({ type: 'data', name: id }, bytes)
      .then(async () => {
        this.index.addPack(id, writer.blobs);
        for (const blob of writer.blobs) this.pending.delete(blob.id);
        this.unindexed.set(id, writer.blobs);
        if (this.unindexed.size >= packsPerIndexFile) await this.writeIndex();
      })
      .catch((err: unknown) => this.fail(new AppError('unavailable', `could not write to ${this.backend.location}: ${describeError(err)}`, { cause: err })))
      .finally(() => this.uploads.delete(upload));
    this.uploads.add(upload);
  }

  private fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
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

  /** Seals and writes every open pack and the index entries for all packs of this session; call before saving a snapshot. */
  async flush(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
    for (const [type, writer] of [...this.writers]) this.upload(type, writer);
    await this.settle();
    this.throwIfFailed();
    await this.writeIndex();
  }

  /** Waits until no blob is being sealed and no pack uploaded, whatever their outcome; never throws. */
  async settle(): Promise<void> {
    while (this.sealing.size > 0 || this.uploads.size > 0) await Promise.race([...this.sealing, ...this.uploads]);
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
