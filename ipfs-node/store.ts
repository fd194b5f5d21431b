/**
 * The node's storage: blocks as files ({@link BlockFiles}, blockstore-fs's layout), pins in
 * datastore-fs through Helia's pin records (Helia here has no libp2p and no block brokers). A
 * missing block fails fast, unless the daemon is online and attached a {@link BlockNetwork}: then
 * it is fetched from peers and gateways, checked, and stored unpinned (gc removes it).
 *
 * Memory does not grow with the number of blocks: an add streams its blocks to disk and keeps
 * none of them; DAG walks remember the blocks they saw in a {@link DigestSet} (12 bytes each);
 * gc marks into one and sweeps the block folders as a stream, reporting what it removes as it goes.
 *
 * Consistency rules:
 * - blocks are written to a temporary file, then renamed, so a killed process leaves whole blocks
 *   or none (and temporary files, removed at the next start);
 * - a pin is recorded only when every block of its DAG is on disk: an add pins after every block
 *   it wrote reached the disk; `pin` walks the DAG first;
 * - gc never waits for an add, and an add never waits for gc. Each add is a write session with a
 *   start time, and every block write gives the block file a fresh modification time, so gc
 *   keeps every block written since the oldest session still open when it started (or since its
 *   own start), whether pinned yet or not: those are collected by a later gc once unpinned. A pin
 *   of blocks already here registers its root first; gc marks such roots before it removes
 *   anything more, and the pin walks the DAG only after gc's removals in flight are done.
 */
import { mkdir, open, opendir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight } from "helia";
import type { Helia } from "helia";
import { importer, type ImportCandidate, type ImporterOptions, type ImportResult, type WritableStorage } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";
import { createUnsafe } from "multiformats/block";
import * as dagPb from "@ipld/dag-pb";
import { BlockFiles } from "./block-files.ts";
import { DigestSet } from "./digest-set.ts";
import { MemoryReturner, returnFreedMemory } from "./memory.ts";
import { BlockNotFetchedError, BlockNotLocalError, IpfsNodeError, NotPinnedError } from "./errors.ts";
import { processIsAlive } from "#core/process.node.ts";

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

/**
 * Where blocks the store lacks come from when the node is online (ipfs-node/network/swarm.ts):
 * peers (Bitswap, DHT provider lookups) and trustless gateways.
 */
export interface BlockNetwork {
  /**
   * The block, checked against its CID and stored (unpinned) before this resolves; rejects when no
   * one had it in time. `dag`: the root of the DAG being walked when the block is one of its (the
   * peer that sent its other blocks is asked first).
   */
  fetchBlock(cid: CID, signal?: AbortSignal, dag?: CID): Promise<Uint8Array>;
  /** A root was pinned: announce it (Kubo's "roots" provide strategy). */
  pinned(cid: CID): void;
}

/** The minimal block reader the exporter and the gateway need. */
export interface BlockReader {
  get(cid: CID, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array>;
}

/**
 * Hot blocks, file chunks included (the gateway sends them as they are), bounded in bytes: a
 * 1 MiB file of 256 KiB chunks is five blocks.
 */
const CACHE_BUDGET_BYTES = 32 * 1024 * 1024;
const CACHE_MAX_BLOCK_BYTES = 1024 * 1024 + 64 * 1024;
/**
 * How far before its start an add's session reaches back, for gc: the file system stamps times
 * with a coarse clock (a tick behind the process's), and the wall clock may be slewed.
 */
const SESSION_CLOCK_SLACK_MS = 2000;
/** Failed writes of fetched blocks remembered for the pins that walk them (see IpfsStore.#failedWrites). */
const MAX_FAILED_WRITES = 1024;
/** Removals gc has in flight at once. */
const GC_REMOVALS_IN_FLIGHT = 8;
/**
 * Online, the blocks DAG walks fetch ahead of themselves (all walks together): as many as fit in
 * PREFETCH_BUDGET_BYTES at the size of the larger blocks fetched lately, between PREFETCH_MIN and
 * PREFETCH_MAX. A mirror's entries are blocks of a few kilobytes, and 64 pins at once want 256
 * leaves in a round (bench:network); a big file's blocks are 256 KiB or more, and whole blocks
 * are held in memory while they arrive.
 */
const PREFETCH_BUDGET_BYTES = 32 * 1024 * 1024;
const PREFETCH_MIN = 16;
const PREFETCH_MAX = 256;
/** What a block fetched before any was is taken to weigh (UnixFS's default chunk). */
const FIRST_BLOCK_SIZE_GUESS = 256 * 1024;

export class IpfsStore {
  readonly repoPath: string;
  readonly helia: Helia;
  readonly #blocks: BlockFiles;
  readonly #blockstore: FsBlockstore;
  readonly #datastore: FsDatastore;
  readonly #cache = new BlockCache(CACHE_BUDGET_BYTES);
  /** Gives the pages V8 pools back to the system after large work, and whenever memory grew (memory.ts). */
  readonly #memory = new MemoryReturner();
  /** Pin record updates in flight, one chain per root (by multihash): different roots are recorded at once. */
  readonly #pinChains = new Map<string, Promise<unknown>>();
  #gcQueue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  readonly #lockFile: string;
  /** Open write sessions (adds, block puts): id -> earliest modification time of their blocks. */
  readonly #sessions = new Map<number, number>();
  #nextSession = 0;
  /** Roots being pinned from blocks already here (counted: two pins of one root may overlap). */
  readonly #pendingRoots = new Map<string, { cid: CID; count: number }>();
  /** Goes up whenever a root is added to {@link #pendingRoots}. */
  #pendingRootsVersion = 0;
  /** gc's removals in flight: a pin waits for them before it walks. */
  readonly #removals = new Set<Promise<unknown>>();
  #closed = false;
  #network: BlockNetwork | undefined;
  #prefetching = 0;
  /** Blocks asked of the network so far. */
  #networkReads = 0;
  /** The size of the larger blocks fetched lately (the largest, decaying by 1% per block fetched since). */
  #fetchedBlockSize = FIRST_BLOCK_SIZE_GUESS;
  /** Blocks being fetched from the network (CID string -> the fetch): one fetch per block, whoever waits. */
  readonly #fetches = new Map<string, { bytes: Promise<Uint8Array>; signal?: AbortSignal }>();
  /**
   * Fetched blocks whose files are being written (multihash key -> the bytes and the write): read
   * from here meanwhile; a pin waits for the writes of its DAG's blocks before it is recorded.
   */
  readonly #unwritten = new Map<string, { bytes: Uint8Array; written: Promise<void> }>();
  /**
   * Fetched blocks whose file could not be written, with the error (the most recent
   * MAX_FAILED_WRITES): a pin whose walk meets one after its write failed fails with that error
   * rather than record a pin over a block that is not on disk.
   */
  readonly #failedWrites = new Map<string, unknown>();

  private constructor(repoPath: string, blocks: BlockFiles, blockstore: FsBlockstore, datastore: FsDatastore, helia: Helia) {
    this.repoPath = repoPath;
    this.#blocks = blocks;
    this.#blockstore = blockstore;
    this.#datastore = datastore;
    this.helia = helia;
    this.#lockFile = path.join(repoPath, "repo.lock");
  }

  /** Open (creating if needed) the repo folder; refuses a repo another live node holds. */
  static async open(repoPath: string): Promise<IpfsStore> {
    await mkdir(repoPath, { recursive: true });
    await takeRepoLock(path.join(repoPath, "repo.lock"));
    const blocks = new BlockFiles(path.join(repoPath, "blocks"));
    await blocks.open();
    await blocks.cleanUp();
    await removeTemporaryFiles(path.join(repoPath, "datastore"));
    // Helia keeps the pin records; its blockstore is never read or written (pins get their own
    // walker), but Helia wants one
    const blockstore = new FsBlockstore(path.join(repoPath, "blocks"));
    const datastore = new FsDatastore(path.join(repoPath, "datastore"));
    await blockstore.open();
    await datastore.open();
    const helia = createHeliaLight({ blockstore, datastore });
    await helia.start();
    return new IpfsStore(repoPath, blocks, blockstore, datastore, helia);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#memory.stop();
    await this.#gcQueue.catch(() => {});
    await Promise.allSettled(this.#pinChains.values());
    await Promise.allSettled([...this.#unwritten.values()].map((pending) => pending.written));
    await this.helia.stop();
    await this.#blockstore.close();
    await this.#datastore.close();
    await unlink(this.#lockFile).catch(() => {});
  }

  /** Online: missing blocks are fetched through `network`, pinned roots announced to it. */
  attachNetwork(network: BlockNetwork | undefined): void {
    this.#network = network;
  }

  /** Whether the block is in the local store (never fetched). */
  async hasBlock(cid: CID): Promise<boolean> {
    return this.#unwritten.has(blockKey(cid)) || this.#blocks.has(cid.multihash);
  }

  /** {@link hasBlock} in one system call, for the many checks of Bitswap serving a peer (BlockFiles.getNow). */
  hasBlockNow(cid: CID): boolean {
    return this.#unwritten.has(blockKey(cid)) || this.#blocks.hasNow(cid.multihash);
  }

  /**
   * A block from the local store only, read in one go (BlockFiles.getNow), for Bitswap serving a
   * peer's wants one after another; {@link BlockNotLocalError} if it is not here.
   */
  getLocalBlockNow(cid: CID): Uint8Array {
    const bytes = this.#cache.get(cid) ?? this.#unwritten.get(blockKey(cid))?.bytes ?? this.#blocks.getNow(cid.multihash);
    if (bytes === undefined) throw new BlockNotLocalError(cid.toString());
    return bytes;
  }

  /** Goes up each time garbage collection starts and ends: anything read before may be gone since. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * A whole block from the local store or, online (unless `offline`), fetched from the network and
   * stored unpinned; {@link BlockNotLocalError} if it is not here and was not found in time.
   */
  async getBlock(cid: CID, options: { signal?: AbortSignal; offline?: boolean; dag?: CID } = {}): Promise<Uint8Array> {
    const cached = this.#cache.get(cid) ?? this.#unwritten.get(blockKey(cid))?.bytes;
    if (cached) return cached;
    options.signal?.throwIfAborted();
    // being fetched (a walk's prefetch asked for it): not on disk, so no file to look for
    if (!options.offline && this.#fetches.has(cid.toString())) return this.#fetch(cid, options.signal, options.dag);
    let bytes: Uint8Array;
    try {
      bytes = await this.#blocks.get(cid.multihash);
    } catch (err) {
      if (!this.#network || options.offline || (err as NodeJS.ErrnoException).code !== "ENOENT") throw new BlockNotLocalError(cid.toString(), { cause: err });
      return this.#fetch(cid, options.signal, options.dag);
    }
    this.#cache.set(cid, bytes);
    return bytes;
  }

  /** A block not in the local store, fetched from the network (one fetch per block, whoever waits) and cached. */
  async #fetch(cid: CID, signal?: AbortSignal, dag?: CID): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      if (!this.#network) throw new IpfsNodeError("the node is offline");
      const key = cid.toString();
      const shared = this.#fetches.get(key);
      if (!shared && this.hasBlockNow(cid)) {
        // another reader's fetch of this block ended while this one looked for its file: asked
        // again, the peer that just sent it drops the want as a repeat (Bitswap does not resend
        // a block within 5 s), and this fetch waited for its timeout (a few pins per 1,000 in
        // bench:network)
        return this.getLocalBlockNow(cid);
      }
      this.#networkReads++;
      if (shared) {
        // joined another reader's fetch: if that reader gave up (its signal), fetch again
        bytes = await shared.bytes.catch((err: unknown) => {
          signal?.throwIfAborted();
          if (!this.#network || !shared.signal?.aborted) throw err;
          return this.#network.fetchBlock(cid, signal, dag);
        });
      } else {
        const fetching = this.#network.fetchBlock(cid, signal, dag).finally(() => this.#fetches.delete(key));
        this.#fetches.set(key, { bytes: fetching, signal });
        bytes = await fetching;
        this.#fetchedBlockSize = Math.max(bytes.byteLength, this.#fetchedBlockSize * 0.99);
      }
    } catch (fetchError) {
      signal?.throwIfAborted();
      throw new BlockNotFetchedError(cid.toString(), { cause: fetchError });
    }
    // a block whose file could not be written is not kept in memory: fetched (and written) again next time
    if (!this.#failedWrites.has(blockKey(cid))) this.#cache.set(cid, bytes);
    return bytes;
  }

  /**
   * Store one block; the caller has checked that `cid` hashes `bytes`. With `pin`, the block (and
   * the DAG under it) is pinned recursively in the same write session, so no gc between the
   * write and the pin can remove it.
   */
  async putBlock(cid: CID, bytes: Uint8Array, options: { pin?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.#inSession(async () => {
      await this.#blocks.put(cid.multihash, bytes);
      if (options.pin) await this.pin(cid, true, options.signal);
    });
  }

  /**
   * Store one block fetched from the network (checked against `cid` by the caller). The file is
   * written behind (in libuv's threads, as one write session for gc): the block is read from
   * memory meanwhile, and a pin whose DAG holds it waits for the write before it is recorded
   * ({@link pin}). Blocks arrive many at once and a mirror's pins are CPU-bound, so the event
   * loop neither does the file work nor waits for it. The promise settles when the file is there.
   */
  putFetchedBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    const key = blockKey(cid);
    const pending = this.#unwritten.get(key);
    if (pending) return pending.written;
    const written = this.#inSession(() => this.#blocks.put(cid.multihash, bytes))
      .then(
        () => {
          this.#failedWrites.delete(key);
        },
        (err: unknown) => {
          // not kept in memory either: the next reader fetches it again, and its write is tried again
          this.#cache.delete(cid);
          this.#failedWrites.delete(key);
          this.#failedWrites.set(key, err);
          if (this.#failedWrites.size > MAX_FAILED_WRITES) this.#failedWrites.delete(this.#failedWrites.keys().next().value as string);
          throw err;
        },
      )
      .finally(() => this.#unwritten.delete(key));
    // a failed write is the pin's to report (it waits for this, or finds it in #failedWrites); nobody else awaits it
    written.catch(() => {});
    this.#unwritten.set(key, { bytes, written });
    return written;
  }

  /**
   * Run `work` as one write session: gc keeps every block written (or written again) from now
   * until it ends, pinned or not, so work that writes blocks and then pins them (an add whose DAG
   * is rewritten with another hash) is whole for gc.
   */
  writeSession<T>(work: () => Promise<T>): Promise<T> {
    return this.#inSession(work);
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
   * Import files into the store (or only hash them), then pin the roots the caller picks. The
   * import is a write session: gc keeps its blocks until it ends, pinned or not.
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
      // flushed before anything is pinned. Nothing is kept per block.
      const writes = new WriteBehind(this.#blocks, WRITES_IN_FLIGHT);
      const writingBlockstore = {
        async put(cid: CID, bytes: Uint8Array): Promise<CID> {
          await writes.put(cid, bytes);
          return cid;
        },
      };
      const target = options.onlyHash ? discardingBlockstore : writingBlockstore;
      const results: ImportResult[] = [];
      try {
        for await (const result of importer(candidates, target as unknown as WritableStorage, options)) {
          options.signal?.throwIfAborted();
          results.push(result);
          await onResult(result);
        }
      } finally {
        await writes.settle();
        writes.returnFreedMemoryIfLarge();
      }
      writes.throwIfFailed();
      if (options.pin !== false && !options.onlyHash) {
        // every block of these DAGs was just written by this session: no need to read them back
        for (const root of pickRoots(results)) await this.#recordPin(root, true, options.signal);
      }
      return results;
    };
    return options.onlyHash ? run() : this.#inSession(run);
  }

  /**
   * Pin a CID (recursive: its whole DAG, which must be local or, online, fetched, else
   * {@link BlockNotLocalError}); `onBlock` is called for each block of the DAG walked.
   */
  async pin(cid: CID, recursive: boolean, signal?: AbortSignal, onBlock?: () => void): Promise<void> {
    const key = cid.multihash.bytes.toString();
    const pending = this.#pendingRoots.get(key);
    if (pending) pending.count++;
    else this.#pendingRoots.set(key, { cid, count: 1 });
    this.#pendingRootsVersion++;
    try {
      // gc has seen the root (or will before its next removal); removals already under way finish first
      await Promise.all(this.#removals);
      // the files of fetched blocks still being written: the pin is recorded once they are there
      const writes: Promise<void>[] = [];
      const visited = (block: CID) => {
        const key = blockKey(block);
        const unwritten = this.#unwritten.get(key);
        if (unwritten) writes.push(unwritten.written);
        // its write failed before the walk came here (the walk read it from memory)
        else if (this.#failedWrites.has(key) && !this.#blocks.hasNow(block.multihash)) throw unwrittenBlockError(cid, this.#failedWrites.get(key));
      };
      if (recursive) {
        for await (const block of this.walkDag(cid, signal)) {
          visited(block);
          onBlock?.();
        }
      } else {
        await this.getBlock(cid, { signal });
        visited(cid);
      }
      await Promise.all(writes).catch((err: unknown) => {
        throw unwrittenBlockError(cid, err);
      });
      await this.#recordPin(cid, recursive, signal);
    } finally {
      const entry = this.#pendingRoots.get(key) as { count: number };
      if (--entry.count === 0) this.#pendingRoots.delete(key);
    }
  }

  /** Record a pin whose blocks are known to be here (Helia's record, without its per-block ones). */
  #recordPin(cid: CID, recursive: boolean, signal?: AbortSignal): Promise<void> {
    return this.#serializePins(cid, async () => {
      const existing = await this.#pinRecord(cid);
      if (existing && (existing.depth === Infinity || !recursive)) return;
      if (existing) await drainAll(this.helia.pins.rm(cid, { signal, walker: rootOnlyWalker } as never));
      try {
        await drainAll(
          this.helia.pins.add(cid, {
            depth: recursive ? Infinity : 0,
            signal,
            offline: true,
            metadata: { cidVersion: cid.version },
            walker: rootOnlyWalker,
          } as never),
        );
      } catch (err) {
        throw asBlockError(err, cid);
      }
      this.#network?.pinned(cid);
    });
  }

  /** Remove a pin; {@link NotPinnedError} if the CID is not pinned that way. */
  async unpin(cid: CID, recursive: boolean): Promise<void> {
    await this.#serializePins(cid, async () => {
      const existing = await this.#pinRecord(cid);
      if (!existing || (!recursive && existing.depth !== 0)) {
        throw new NotPinnedError(cid.toString());
      }
      await drainAll(this.helia.pins.rm(cid, { walker: rootOnlyWalker } as never));
    });
  }

  /** Pins of the given kinds; indirect pins are found by walking the recursive pins. */
  async *listPins(kinds: Set<PinKind>): AsyncGenerator<PinListing> {
    const recursiveRoots: CID[] = [];
    const roots = new DigestSet();
    for await (const stored of this.helia.pins.ls()) {
      // Helia keys pins by CIDv1; show a CIDv0 pin as it was pinned, as Kubo does
      const pin = { ...stored, cid: stored.metadata.cidVersion === 0 ? stored.cid.toV0() : stored.cid };
      const type: PinKind = pin.depth === 0 ? "direct" : "recursive";
      roots.add(pin.cid.multihash);
      if (type === "recursive") recursiveRoots.push(pin.cid);
      if (kinds.has(type)) yield { cid: pin.cid, type };
    }
    if (!kinds.has("indirect")) return;
    const seen = new DigestSet();
    for (const root of recursiveRoots) {
      for await (const cid of this.walkDag(root)) {
        if (roots.has(cid.multihash) || !seen.add(cid.multihash)) continue;
        yield { cid, type: "indirect" };
      }
    }
  }

  /** How a CID is pinned, or undefined; "indirect" is found by walking the recursive pins. */
  async pinStatus(cid: CID): Promise<PinKind | undefined> {
    const record = await this.#pinRecord(cid);
    if (record) return record.depth === 0 ? "direct" : "recursive";
    const wanted = cid.multihash.bytes.toString();
    for await (const pin of this.helia.pins.ls()) {
      if (pin.depth === 0) continue;
      for await (const reached of this.#walkPresent(pin.cid)) if (reached.multihash.bytes.toString() === wanted) return "indirect";
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

  /** Every CID of a DAG, depth first, each once; blocks must be local ({@link BlockNotLocalError}). */
  async *walkDag(root: CID, signal?: AbortSignal): AsyncGenerator<CID> {
    const seen = new DigestSet();
    // blocks this walk has considered fetching ahead (each once), once it met one not here
    const ahead = new DigestSet();
    const networkReadsBefore = this.#networkReads;
    const stack: CID[] = [root];
    while (stack.length > 0) {
      const cid = stack.pop() as CID;
      if (!seen.add(cid.multihash)) continue;
      signal?.throwIfAborted();
      if (cid.code === RAW_CODE) {
        // a raw leaf links nowhere: check it is here without reading it (online, fetch it)
        if (this.#fetches.has(cid.toString()) || !(await this.hasBlock(cid))) {
          if (!this.#network) throw new BlockNotLocalError(cid.toString());
          await this.getBlock(cid, { signal, dag: root });
        }
        yield cid;
        continue;
      }
      const links = await this.linksOf(cid, signal, root);
      yield cid;
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]);
      // the blocks this walk visits next, once blocks came from the network (a walk of a local
      // DAG costs nothing more)
      if (this.#network && this.#networkReads !== networkReadsBefore) this.#prefetch(stack.slice(-this.#prefetchLimit()).reverse(), ahead, root, signal);
    }
  }

  /**
   * Start fetching the missing ones of `links` (a walk visits them next): a DAG from the network
   * then arrives several blocks at a time instead of one round trip per block.
   */
  #prefetch(links: CID[], considered: DigestSet, dag: CID, signal?: AbortSignal): void {
    for (const link of links) {
      if (this.#prefetching >= this.#prefetchLimit()) return;
      if (considered.has(link.multihash)) continue;
      considered.add(link.multihash);
      if (this.#fetches.has(link.toString()) || this.#cache.get(link)) continue;
      this.#prefetching++;
      // checked in one go (no file operation queued between the walk and its wants), so the wants
      // of one walk (and of the walks beside it) leave in one Bitswap message
      void (async () => {
        if (!this.hasBlockNow(link)) await this.#fetch(link, signal, dag);
      })()
        .catch(() => {})
        .finally(() => this.#prefetching--);
    }
  }

  #prefetchLimit(): number {
    return Math.max(PREFETCH_MIN, Math.min(PREFETCH_MAX, Math.floor(PREFETCH_BUDGET_BYTES / this.#fetchedBlockSize)));
  }

  /** The CIDs a block links to, in order (`dag`: the root of the DAG walked, see BlockNetwork). */
  async linksOf(cid: CID, signal?: AbortSignal, dag?: CID): Promise<CID[]> {
    const bytes = await this.getBlock(cid, { signal, dag });
    return this.#decodeLinks(cid, bytes);
  }

  async #decodeLinks(cid: CID, bytes: Uint8Array): Promise<CID[]> {
    if (cid.code === RAW_CODE) return [];
    if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map((link) => link.Hash);
    const codec = await this.helia.getCodec(cid.code);
    return [...createUnsafe({ bytes, cid, codec }).links()].map(([, link]) => link);
  }

  /**
   * Remove every block no pin reaches and no open write session may still pin, reporting each as
   * it goes (as raw CIDv1s: blocks are keyed by multihash, as Kubo's gc reports them). Mark and
   * sweep, as Kubo does: the live set is every direct pin plus every block of every recursive
   * pin's DAG (and of every pin under way), marked into a {@link DigestSet}; the sweep streams
   * the block folders. One gc runs at a time; adds and pins go on meanwhile. `signal` stops it
   * between two removals (the client that asked is gone).
   */
  async *collectGarbage(signal?: AbortSignal): AsyncGenerator<CID> {
    let release!: () => void;
    const previous = this.#gcQueue;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.#gcQueue = previous.then(() => mine);
    await previous.catch(() => {});
    try {
      if (this.#closed) throw new IpfsNodeError("the node is stopping");
      yield* this.#collectGarbage(signal);
    } finally {
      release();
    }
  }

  async *#collectGarbage(signal?: AbortSignal): AsyncGenerator<CID> {
    this.#generation++;
    // cached blocks may be removed; dropping them now (and the pages freed before, such as an
    // add's) also leaves gc's mark set the room
    this.#cache.clear();
    this.#memory.returnNow();
    // the file system's clock now, once it has moved past the last block written before gc
    // started (one tick of a coarse clock may stamp both alike): blocks written from here on are
    // at least this new, those written before are older
    const stampFile = path.join(this.#blocks.root, ".gc-stamp");
    await writeFile(stampFile, String(process.pid));
    const before = (await stat(stampFile)).mtimeMs;
    let stamp = before;
    while (stamp <= before) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await writeFile(stampFile, String(process.pid));
      stamp = (await stat(stampFile)).mtimeMs;
    }
    let keepFrom = stamp;
    for (const sessionStart of this.#sessions.values()) keepFrom = Math.min(keepFrom, sessionStart);

    const live = new DigestSet();
    for await (const pin of this.helia.pins.ls()) {
      if (pin.depth === 0) live.add(pin.cid.multihash);
      else await this.#mark(pin.cid, live);
    }
    let markedVersion = -1;
    const markPending = async () => {
      while (markedVersion !== this.#pendingRootsVersion) {
        markedVersion = this.#pendingRootsVersion;
        for (const { cid } of [...this.#pendingRoots.values()]) await this.#mark(cid, live);
      }
    };
    await markPending();

    const removed: CID[] = [];
    let failure: unknown;
    const remove = (file: string, cid: CID) => {
      const removal: Promise<void> = this.#blocks.removeUnlessNewer(file, keepFrom).then(
        (done) => {
          if (done) removed.push(cid);
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      const tracked = removal.finally(() => this.#removals.delete(tracked));
      this.#removals.add(tracked);
    };
    try {
      for await (const { file, multihash } of this.#blocks.list()) {
        if (live.has(multihash)) continue;
        while (this.#removals.size >= GC_REMOVALS_IN_FLIGHT) await Promise.race(this.#removals);
        if (failure !== undefined) throw failure;
        signal?.throwIfAborted();
        // the sweep is a stream: a pin begun meanwhile is marked before anything more is removed
        // (no await between this check and the removal, so the pin waits for every removal that
        // did not see its root)
        if (markedVersion !== this.#pendingRootsVersion) {
          await markPending();
          if (live.has(multihash)) continue;
        }
        remove(file, CID.createV1(RAW_CODE, multihash));
        while (removed.length > 0) yield removed.shift() as CID;
      }
      await Promise.all(this.#removals);
      if (failure !== undefined) throw failure;
      while (removed.length > 0) yield removed.shift() as CID;
    } finally {
      await Promise.all(this.#removals);
      this.#cache.clear();
      this.#memory.returnNow();
      this.#generation++;
      await unlink(stampFile).catch(() => {});
    }
  }

  /** Mark a DAG live; a missing block ends only its own branch (gc keeps what is there). */
  async #mark(root: CID, live: DigestSet): Promise<void> {
    const stack: CID[] = [root];
    while (stack.length > 0) {
      const cid = stack.pop() as CID;
      if (!live.add(cid.multihash) || cid.code === RAW_CODE) continue;
      let links: CID[];
      try {
        links = await this.#decodeLinks(cid, this.#cache.get(cid) ?? (await this.#blocks.get(cid.multihash)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]);
    }
  }

  /** Like {@link walkDag}, but a missing block ends only its own branch. */
  async *#walkPresent(root: CID): AsyncGenerator<CID> {
    const seen = new DigestSet();
    const stack: CID[] = [root];
    while (stack.length > 0) {
      const cid = stack.pop() as CID;
      if (!seen.add(cid.multihash)) continue;
      let links: CID[];
      try {
        links = await this.#decodeLinks(cid, await this.getBlock(cid, { offline: true }));
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
    const { count, bytes } = await this.#blocks.stat();
    return { numObjects: count, repoSize: bytes, repoPath: this.repoPath };
  }

  /** Run `work` as a write session: gc keeps every block written from now until it ends. */
  async #inSession<T>(work: () => Promise<T>): Promise<T> {
    const id = this.#nextSession++;
    this.#sessions.set(id, Date.now() - SESSION_CLOCK_SLACK_MS);
    try {
      return await work();
    } finally {
      this.#sessions.delete(id);
    }
  }

  /**
   * Pin record updates of one root run one after another (Helia's record and the root's pin count
   * are read, then written); those of different roots run at once (each a few small file writes:
   * one at a time, a mirror pinning many roots waited on them).
   */
  #serializePins<T>(cid: CID, work: () => Promise<T>): Promise<T> {
    const key = cid.multihash.bytes.toString();
    const next = (this.#pinChains.get(key) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => {});
    this.#pinChains.set(key, settled);
    void settled.then(() => {
      if (this.#pinChains.get(key) === settled) this.#pinChains.delete(key);
    });
    return next;
  }
}

const RAW_CODE = 0x55;
/** Block writes an import may have in flight (at most this many chunks held in memory). */
const WRITES_IN_FLIGHT = 32;
/**
 * A large import gives the pages it freed back to the system (see memory.ts) each time it has
 * written this many blocks or bytes since the last time, and at its end past an eighth of either.
 */
const RETURN_MEMORY_EVERY_BLOCKS = 100_000;
const RETURN_MEMORY_EVERY_BYTES = 32 * 1024 * 1024;

/** A pin failed because a block of its DAG fetched from the network could not be written. */
function unwrittenBlockError(root: CID, cause: unknown): IpfsNodeError {
  return new IpfsNodeError(
    `${root} was not pinned: a block of it fetched from the network could not be written to the repo (${(cause as Error).message}). Check the disk (free space, permissions), then pin again.`,
    { cause },
  );
}

/** A walker for Helia's pin records that visits the root only: the node keeps no per-block records. */
const rootOnlyWalker = () => ({
  async *walk(root: CID) {
    yield { block: { cid: root }, depth: 0, path: [] };
  },
});

/** Puts that run in the background, at most `limit` at once; the first failure is kept. */
class WriteBehind {
  readonly #target: BlockFiles;
  readonly #limit: number;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;
  #blocksSinceRelease = 0;
  #bytesSinceRelease = 0;

  constructor(target: BlockFiles, limit: number) {
    this.#target = target;
    this.#limit = limit;
  }

  async put(cid: CID, bytes: Uint8Array): Promise<void> {
    this.throwIfFailed();
    while (this.#inFlight.size >= this.#limit) await Promise.race(this.#inFlight);
    this.#blocksSinceRelease++;
    this.#bytesSinceRelease += bytes.byteLength;
    if (this.#blocksSinceRelease >= RETURN_MEMORY_EVERY_BLOCKS || this.#bytesSinceRelease >= RETURN_MEMORY_EVERY_BYTES) this.#release();
    const write: Promise<void> = this.#target.put(cid.multihash, bytes).then(
      () => {},
      (err: unknown) => {
        this.#failure ??= err;
      },
    );
    const tracked = write.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** At the end of an import: give freed pages back if it wrote much since the last time. */
  returnFreedMemoryIfLarge(): void {
    if (this.#blocksSinceRelease >= RETURN_MEMORY_EVERY_BLOCKS / 8 || this.#bytesSinceRelease >= RETURN_MEMORY_EVERY_BYTES / 8) this.#release();
  }

  #release(): void {
    returnFreedMemory();
    this.#blocksSinceRelease = 0;
    this.#bytesSinceRelease = 0;
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

/** Temporary files of datastore-fs writes (`.<name>.tmp`) that never finished. */
async function removeTemporaryFiles(folder: string): Promise<void> {
  const visit = async (dir: string): Promise<void> => {
    let handle: Awaited<ReturnType<typeof opendir>>;
    try {
      handle = await opendir(dir);
    } catch {
      return;
    }
    for await (const entry of handle) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(file);
      else if (entry.name.startsWith(".") && entry.name.endsWith(".tmp")) await unlink(file).catch(() => {});
    }
  };
  await visit(folder);
}

/**
 * The repo lock: `repo.lock` names the node holding the repo by process id, the process's start
 * time (in clock ticks since boot, from /proc/<pid>/stat) and the boot, so a lock left by a node
 * that died is stale even when its process id now belongs to another process.
 */
interface LockHolder {
  pid: number;
  started?: string;
  boot?: string;
}

async function takeRepoLock(lockFile: string): Promise<void> {
  try {
    const handle = await open(lockFile, "wx");
    try {
      await handle.writeFile(JSON.stringify(await describeProcess(process.pid)));
    } finally {
      await handle.close();
    }
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const text = await readFile(lockFile, "utf8").catch(() => "");
  const holder = parseLock(text);
  if (holder && holder.pid !== process.pid && (await holdsLock(holder))) {
    throw new IpfsNodeError(`the IPFS repo ${path.dirname(lockFile)} is in use by process ${holder.pid}; stop that node first or pass another --repo.`);
  }
  // a stale lock left by a node that is gone; remove it only if it is still the one read
  if ((await readFile(lockFile, "utf8").catch(() => "")) === text) await unlink(lockFile).catch(() => {});
  await takeRepoLock(lockFile);
}

function parseLock(text: string): LockHolder | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const parsed = JSON.parse(trimmed) as LockHolder;
    return Number.isInteger(parsed.pid) && parsed.pid > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function describeProcess(pid: number): Promise<LockHolder> {
  return { pid, started: await processStartTime(pid), boot: await bootId() };
}

/** Whether the lock's process is alive and is the node that wrote it. */
async function holdsLock(holder: LockHolder): Promise<boolean> {
  if (!processIsAlive(holder.pid)) return false;
  const started = await processStartTime(holder.pid);
  if (started === undefined) return true; // no /proc (macOS): a live process id is all we know
  if (holder.started !== undefined) return holder.started === started && (holder.boot === undefined || holder.boot === (await bootId()));
  // an older node's lock (process id only): held if that process is a node
  const commandLine = await readFile(`/proc/${holder.pid}/cmdline`, "utf8").catch(() => "");
  return /til\.ts|ipfs/.test(commandLine);
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
async function processStartTime(pid: number): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  // the command name (field 2) is in parentheses and may hold spaces: count from its end
  return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
}

async function bootId(): Promise<string | undefined> {
  return (await readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => undefined))?.trim();
}

/** A block's key in the maps of blocks: its multihash (a CIDv0 and a CIDv1 of the same bytes share one). */
function blockKey(cid: CID): string {
  const bytes = cid.multihash.bytes;
  let key = blockKeys.get(bytes);
  if (key === undefined) {
    key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    blockKeys.set(bytes, key);
  }
  return key;
}
const blockKeys = new WeakMap<Uint8Array, string>();

/** Least-recently-used cache of blocks, bounded by total bytes. */
class BlockCache {
  readonly #budget: number;
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;
  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }
  get(cid: CID): Uint8Array | undefined {
    const key = blockKey(cid);
    const bytes = this.#entries.get(key);
    if (bytes) {
      this.#entries.delete(key);
      this.#entries.set(key, bytes);
    }
    return bytes;
  }
  set(cid: CID, bytes: Uint8Array): void {
    if (bytes.byteLength > CACHE_MAX_BLOCK_BYTES) return;
    const key = blockKey(cid);
    if (this.#entries.has(key)) return;
    this.#entries.set(key, bytes);
    this.#bytes += bytes.byteLength;
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.#budget) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.byteLength;
    }
  }
  delete(cid: CID): void {
    const key = blockKey(cid);
    const bytes = this.#entries.get(key);
    if (!bytes) return;
    this.#entries.delete(key);
    this.#bytes -= bytes.byteLength;
  }
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
