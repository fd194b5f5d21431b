/**
 * The node's storage: blocks in blockstore-fs, pins in datastore-fs, both driven through Helia
 * (offline: no libp2p, no block brokers, so a missing block fails fast instead of being fetched).
 *
 * Consistency rules:
 * - blocks are written with write-then-rename (blockstore-fs), so a killed process leaves whole
 *   blocks or none;
 * - a pin is recorded only after every block of its DAG was read back, so no pin points at
 *   missing blocks;
 * - adds (import + pin) hold a shared lock and garbage collection an exclusive one, so gc never
 *   removes the blocks of an add that has not pinned yet.
 */
import { mkdir, open, readdir, stat, unlink, readFile } from "node:fs/promises";
import path from "node:path";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight } from "helia";
import type { Helia } from "@helia/interface";
import { importer, type ImportCandidate, type ImporterOptions, type ImportResult, type WritableStorage } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";
import { createUnsafe } from "multiformats/block";
import * as dagPb from "@ipld/dag-pb";
import { BlockNotLocalError, IpfsNodeError, NotPinnedError } from "./errors.ts";

export type PinKind = "recursive" | "direct" | "indirect";

export interface PinListing {
  cid: CID;
  type: PinKind;
}

export interface RepoStat {
  numObjects: number;
  repoSize: number;
  repoPath: string;
}

/** The minimal block reader the exporter and the gateway need. */
export interface BlockReader {
  get(cid: CID, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array>;
}

/** Small blocks (directory nodes, entries, metadata) are worth caching; file chunks are not. */
const CACHE_BUDGET_BYTES = 16 * 1024 * 1024;
const CACHE_MAX_BLOCK_BYTES = 64 * 1024;

export class IpfsStore {
  readonly repoPath: string;
  readonly helia: Helia;
  readonly #blockstore: FsBlockstore;
  readonly #datastore: FsDatastore;
  readonly #cache = new BlockCache(CACHE_BUDGET_BYTES);
  readonly #gcLock = new SharedExclusiveLock();
  #pinQueue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  readonly #lockFile: string;

  private constructor(repoPath: string, blockstore: FsBlockstore, datastore: FsDatastore, helia: Helia) {
    this.repoPath = repoPath;
    this.#blockstore = blockstore;
    this.#datastore = datastore;
    this.helia = helia;
    this.#lockFile = path.join(repoPath, "repo.lock");
  }

  /** Open (creating if needed) the repo folder; refuses a repo another live process holds. */
  static async open(repoPath: string): Promise<IpfsStore> {
    await mkdir(repoPath, { recursive: true });
    await takeRepoLock(path.join(repoPath, "repo.lock"));
    const blockstore = new FsBlockstore(path.join(repoPath, "blocks"));
    const datastore = new FsDatastore(path.join(repoPath, "datastore"));
    await blockstore.open();
    await datastore.open();
    const helia = createHeliaLight({ blockstore, datastore });
    await helia.start();
    return new IpfsStore(repoPath, blockstore, datastore, helia);
  }

  async close(): Promise<void> {
    await this.#gcLock.exclusive(async () => {
      await this.helia.stop();
      await this.#blockstore.close();
      await this.#datastore.close();
    });
    await unlink(this.#lockFile).catch(() => {});
  }

  /** Goes up each time garbage collection runs: anything read before may be gone since. */
  get generation(): number {
    return this.#generation;
  }

  /** A whole block from the local store; {@link BlockNotLocalError} if it is not here. */
  async getBlock(cid: CID, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const cached = this.#cache.get(cid);
    if (cached) return cached;
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of this.#blockstore.get(cid, options)) chunks.push(chunk);
    } catch (err) {
      options.signal?.throwIfAborted();
      throw new BlockNotLocalError(cid.toString(), { cause: err });
    }
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    this.#cache.set(cid, bytes);
    return bytes;
  }

  /** Store one block; the caller has checked that `cid` hashes `bytes`. */
  async putBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    await this.#gcLock.shared(async () => {
      await this.helia.blockstore.put(cid, bytes);
    });
  }

  /** Reader over the local store for the UnixFS exporter and DAG walks. */
  get reader(): BlockReader {
    const store = this;
    return {
      async *get(cid, options) {
        yield await store.getBlock(cid, options);
      },
    };
  }

  /**
   * Import files into the store (or only hash them), then pin the roots the caller picks.
   * Runs under the shared lock so gc cannot remove the new blocks before they are pinned.
   */
  async importAndPin(
    candidates: AsyncIterable<ImportCandidate> | Iterable<ImportCandidate>,
    options: ImporterOptions & { onlyHash?: boolean; pin?: boolean; signal?: AbortSignal },
    onResult: (result: ImportResult) => void | Promise<void>,
    pickRoots: (results: ImportResult[]) => CID[],
  ): Promise<ImportResult[]> {
    const run = async (): Promise<ImportResult[]> => {
      // Blocks are written behind the importer (a bounded number in flight), so the next file of
      // a multipart body is read while the previous one's blocks reach the disk; everything is
      // flushed before anything is pinned. The links of every block are remembered, so pinning
      // walks the new DAG from memory instead of reading it back from disk.
      const written = new Map<string, CID[]>();
      const writes = new WriteBehind(this.helia.blockstore, WRITES_IN_FLIGHT);
      const recordingBlockstore = {
        async put(cid: CID, bytes: Uint8Array, putOptions?: { signal?: AbortSignal }): Promise<CID> {
          written.set(cid.toString(), cid.code === dagPb.code ? dagPb.decode(bytes).Links.map((link) => link.Hash) : []);
          await writes.put(cid, bytes, putOptions);
          return cid;
        },
      };
      const target = options.onlyHash ? discardingBlockstore : recordingBlockstore;
      const results: ImportResult[] = [];
      try {
        for await (const result of importer(candidates, target as unknown as WritableStorage, options)) {
          options.signal?.throwIfAborted();
          results.push(result);
          await onResult(result);
        }
      } finally {
        await writes.settle();
      }
      writes.throwIfFailed();
      if (options.pin !== false && !options.onlyHash) {
        for (const root of pickRoots(results)) await this.#pinUnlocked(root, true, options.signal, written);
      }
      return results;
    };
    return options.onlyHash ? run() : this.#gcLock.shared(run);
  }

  /** Pin a CID (recursive: its whole DAG, which must be local, else {@link BlockNotLocalError}). */
  async pin(cid: CID, recursive: boolean, signal?: AbortSignal): Promise<void> {
    await this.#gcLock.shared(async () => {
      // check every block is here first: Helia's graph walker does not surface a missing block
      // as a rejection of pins.add
      if (recursive) for await (const _ of this.walkDag(cid, signal));
      else await this.getBlock(cid, { signal });
      await this.#pinUnlocked(cid, recursive, signal);
    });
  }

  #pinUnlocked(cid: CID, recursive: boolean, signal?: AbortSignal, written?: Map<string, CID[]>): Promise<void> {
    return this.#serializePins(async () => {
      const existing = await this.#pinRecord(cid);
      if (existing && (existing.depth === Infinity || !recursive)) return;
      if (existing) await drainAll(this.helia.pins.rm(cid, { signal }));
      try {
        // offline: a block that is not here fails the pin instead of waiting for the network
        await drainAll(
          this.helia.pins.add(cid, {
            depth: recursive ? Infinity : 0,
            signal,
            offline: true,
            metadata: { cidVersion: cid.version },
            ...(written ? { walker: () => this.#knownDagWalker(written) } : {}),
          } as never),
        );
      } catch (err) {
        throw asBlockError(err, cid);
      }
    });
  }

  /**
   * A graph walker for Helia's `pins.add` over a DAG whose links are already known (the blocks an
   * import just wrote), falling back to the store for any block it did not see. Helia's pinning
   * uses only each node's CID.
   */
  #knownDagWalker(known: Map<string, CID[]>): { walk(root: CID): AsyncGenerator<unknown> } {
    const store = this;
    return {
      async *walk(root: CID) {
        for await (const cid of store.walkDag(root, undefined, known)) yield { block: { cid }, depth: 0, path: [] };
      },
    };
  }

  /** Remove a pin; {@link NotPinnedError} if the CID is not pinned that way. */
  async unpin(cid: CID, recursive: boolean): Promise<void> {
    await this.#serializePins(async () => {
      const existing = await this.#pinRecord(cid);
      if (!existing || (!recursive && existing.depth !== 0)) {
        throw new NotPinnedError(cid.toString());
      }
      await drainAll(this.helia.pins.rm(cid));
    });
  }

  /** Pins of the given kinds; indirect pins are found by walking the recursive pins. */
  async *listPins(kinds: Set<PinKind>): AsyncGenerator<PinListing> {
    const recursiveRoots: CID[] = [];
    const roots = new Set<string>();
    for await (const stored of this.helia.pins.ls()) {
      // Helia keys pins by CIDv1; show a CIDv0 pin as it was pinned, as Kubo does
      const pin = { ...stored, cid: stored.metadata.cidVersion === 0 ? stored.cid.toV0() : stored.cid };
      const type: PinKind = pin.depth === 0 ? "direct" : "recursive";
      roots.add(pin.cid.toV1().toString());
      if (type === "recursive") recursiveRoots.push(pin.cid);
      if (kinds.has(type)) yield { cid: pin.cid, type };
    }
    if (!kinds.has("indirect")) return;
    const seen = new Set<string>();
    for (const root of recursiveRoots) {
      for await (const cid of this.walkDag(root)) {
        const key = cid.toV1().toString();
        if (cid.equals(root) || roots.has(key) || seen.has(key)) continue;
        seen.add(key);
        yield { cid, type: "indirect" };
      }
    }
  }

  /** How a CID is pinned, or undefined; "indirect" is found by walking the recursive pins. */
  async pinStatus(cid: CID): Promise<PinKind | undefined> {
    const record = await this.#pinRecord(cid);
    if (record) return record.depth === 0 ? "direct" : "recursive";
    const key = cacheKey(cid);
    for await (const pin of this.helia.pins.ls()) {
      if (pin.depth === 0) continue;
      for await (const reached of this.#walkPresent(pin.cid)) if (cacheKey(reached) === key) return "indirect";
    }
    return undefined;
  }

  async #pinRecord(cid: CID): Promise<{ depth: number } | undefined> {
    try {
      return await this.helia.pins.get(cid);
    } catch (err) {
      if ((err as Error).name === "NotFoundError") return undefined;
      throw err;
    }
  }

  /**
   * Every CID of a DAG, depth first, each once; blocks must be local. `known` gives the links of
   * blocks just written (a fresh import), which then need not be read back from disk.
   */
  async *walkDag(root: CID, signal?: AbortSignal, known?: Map<string, CID[]>): AsyncGenerator<CID> {
    const seen = new Set<string>();
    const stack: CID[] = [root];
    while (stack.length > 0) {
      const cid = stack.pop() as CID;
      const key = cid.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      signal?.throwIfAborted();
      const links = known?.get(key) ?? (await this.linksOf(cid, signal));
      yield cid;
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]);
    }
  }

  /** The CIDs a block links to, in order. */
  async linksOf(cid: CID, signal?: AbortSignal): Promise<CID[]> {
    const bytes = await this.getBlock(cid, { signal });
    if (cid.code === RAW_CODE) return [];
    const codec = await this.helia.getCodec(cid.code);
    return [...createUnsafe({ bytes, cid, codec }).links()].map(([, link]) => link);
  }

  /**
   * Remove every block no pin reaches. Mark and sweep, as Kubo does: the live set is every
   * direct pin plus every block of every recursive pin's DAG, walked now. Helia's own gc trusts
   * per-block reference counts that its `pins.rm` keeps wrong when two pins share blocks
   * (pin A, pin B, unpin A, re-pin A, unpin B leaves A's shared blocks unprotected), so it is
   * not used.
   */
  async collectGarbage(): Promise<CID[]> {
    return this.#gcLock.exclusive(async () => {
      this.#generation++;
      const live = new Set<string>();
      for await (const pin of this.helia.pins.ls()) {
        if (pin.depth === 0) {
          live.add(cacheKey(pin.cid));
          continue;
        }
        for await (const cid of this.#walkPresent(pin.cid)) live.add(cacheKey(cid));
      }
      const removed: CID[] = [];
      for await (const { cid } of this.#blockstore.getAll()) {
        if (live.has(cacheKey(cid))) continue;
        await this.#blockstore.delete(cid);
        // the blockstore is keyed by multihash: report raw CIDv1s, as Kubo's gc does
        removed.push(CID.createV1(RAW_CODE, cid.multihash));
      }
      this.#cache.clear();
      return removed;
    });
  }

  /** Like {@link walkDag}, but a missing block ends only its own branch (gc keeps what is there). */
  async *#walkPresent(root: CID): AsyncGenerator<CID> {
    const seen = new Set<string>();
    const stack: CID[] = [root];
    while (stack.length > 0) {
      const cid = stack.pop() as CID;
      const key = cacheKey(cid);
      if (seen.has(key)) continue;
      seen.add(key);
      let links: CID[];
      try {
        links = await this.linksOf(cid);
      } catch (err) {
        if (err instanceof BlockNotLocalError) continue;
        throw err;
      }
      yield cid;
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]);
    }
  }

  /** Number and total size of the blocks on disk. */
  async stat(): Promise<RepoStat> {
    let numObjects = 0;
    let repoSize = 0;
    const blocksDir = path.join(this.repoPath, "blocks");
    for (const entry of await readdir(blocksDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".data")) continue;
      numObjects++;
      repoSize += (await stat(path.join(entry.parentPath, entry.name))).size;
    }
    return { numObjects, repoSize, repoPath: this.repoPath };
  }

  #serializePins<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#pinQueue.then(work, work);
    this.#pinQueue = next.catch(() => {});
    return next;
  }
}

const RAW_CODE = 0x55;
/** Block writes an import may have in flight (at most this many chunks held in memory). */
const WRITES_IN_FLIGHT = 32;

interface BlockWriter {
  put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): unknown;
}

/** Puts that run in the background, at most `limit` at once; the first failure is kept. */
class WriteBehind {
  readonly #target: BlockWriter;
  readonly #limit: number;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;

  constructor(target: BlockWriter, limit: number) {
    this.#target = target;
    this.#limit = limit;
  }

  async put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    this.throwIfFailed();
    while (this.#inFlight.size >= this.#limit) await Promise.race(this.#inFlight);
    const write: Promise<void> = Promise.resolve(this.#target.put(cid, bytes, options)).then(
      () => {},
      (err: unknown) => {
        this.#failure ??= err;
      },
    );
    const tracked = write.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** Wait for every write in flight. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** Where `only-hash` adds write: nowhere. */
const discardingBlockstore = {
  async put(cid: CID): Promise<CID> {
    return cid;
  },
};

function asBlockError(err: unknown, cid: CID): Error {
  if (err instanceof IpfsNodeError) return err;
  const name = (err as Error)?.name;
  if (name === "BlockNotFoundWhileOfflineError" || name === "NotFoundError") {
    return new BlockNotLocalError(cid.toString(), { cause: err });
  }
  return err as Error;
}

async function drainAll(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source);
}

async function takeRepoLock(lockFile: string): Promise<void> {
  try {
    const handle = await open(lockFile, "wx");
    await handle.writeFile(String(process.pid));
    await handle.close();
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const holder = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
  if (holder && holder !== process.pid && processIsAlive(holder)) {
    throw new IpfsNodeError(`the IPFS repo ${path.dirname(lockFile)} is in use by process ${holder}; stop that node first or pass another --repo.`);
  }
  // a stale lock left by a killed node
  await unlink(lockFile).catch(() => {});
  await takeRepoLock(lockFile);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Blocks are identified by their multihash (a CIDv0 and a CIDv1 of the same bytes share one). */
function cacheKey(cid: CID): string {
  const bytes = cid.multihash.bytes;
  let key = cacheKeys.get(bytes);
  if (key === undefined) {
    key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    cacheKeys.set(bytes, key);
  }
  return key;
}
const cacheKeys = new WeakMap<Uint8Array, string>();

/** Least-recently-used cache of small blocks, bounded by total bytes. */
class BlockCache {
  readonly #budget: number;
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;
  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }
  get(cid: CID): Uint8Array | undefined {
    const key = cacheKey(cid);
    const bytes = this.#entries.get(key);
    if (bytes) {
      this.#entries.delete(key);
      this.#entries.set(key, bytes);
    }
    return bytes;
  }
  set(cid: CID, bytes: Uint8Array): void {
    if (bytes.byteLength > CACHE_MAX_BLOCK_BYTES) return;
    const key = cacheKey(cid);
    if (this.#entries.has(key)) return;
    this.#entries.set(key, bytes);
    this.#bytes += bytes.byteLength;
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.#budget) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.byteLength;
    }
  }
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

/** Many shared holders or one exclusive holder at a time; exclusive requests are not starved. */
class SharedExclusiveLock {
  #shared = 0;
  #exclusive = false;
  #waiting: Array<{ exclusive: boolean; wake: () => void }> = [];

  async shared<T>(work: () => Promise<T>): Promise<T> {
    if (this.#exclusive || this.#waiting.some((w) => w.exclusive)) {
      await new Promise<void>((wake) => this.#waiting.push({ exclusive: false, wake }));
    } else {
      this.#shared++;
    }
    try {
      return await work();
    } finally {
      this.#shared--;
      this.#release();
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#exclusive || this.#shared > 0) {
      await new Promise<void>((wake) => this.#waiting.push({ exclusive: true, wake }));
    } else {
      this.#exclusive = true;
    }
    try {
      return await work();
    } finally {
      this.#exclusive = false;
      this.#release();
    }
  }

  #release(): void {
    if (this.#exclusive || this.#shared > 0) return;
    const next = this.#waiting[0];
    if (!next) return;
    if (next.exclusive) {
      this.#waiting.shift();
      this.#exclusive = true;
      next.wake();
      return;
    }
    while (this.#waiting[0] && !this.#waiting[0].exclusive) {
      this.#shared++;
      (this.#waiting.shift() as { wake: () => void }).wake();
    }
  }
}
