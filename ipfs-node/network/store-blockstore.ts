/**
 * The store's block files as the Blockstore the networking Helia (ipfs-node/network/swarm.ts)
 * reads and writes: Bitswap serves peers from it, and blocks fetched from the network land in it,
 * unpinned, through the store's own write path (so gc treats them like any other block). Reads
 * never go to the network from here. Counts what passes, for `bitswap/stat`.
 */
import type { AbortOptions } from "@libp2p/interface";
import type { Blockstore, InputPair, Pair } from "interface-blockstore";
import type { CID } from "multiformats/cid";
import { UnsupportedError } from "../errors.ts";
import type { IpfsStore } from "../store.ts";

export interface TransferCounters {
  blocksReceived: number;
  dataReceived: number;
  /** Blocks read through this blockstore: those Bitswap sent to peers. */
  blocksSent: number;
  dataSent: number;
}

export class StoreBlockstore implements Blockstore {
  readonly #store: IpfsStore;
  readonly #counters: TransferCounters;

  constructor(store: IpfsStore, counters: TransferCounters) {
    this.#store = store;
    this.#counters = counters;
  }

  // Bitswap serves a peer's wants one at a time (a has, then a get, then the next want): each
  // block is checked and read here in one go (BlockFiles.getNow), not as several awaited file
  // operations each waiting its turn in libuv's threads, one want after another
  async has(cid: CID): Promise<boolean> {
    return this.#store.hasBlockNow(cid);
  }

  async *get(cid: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    options.signal?.throwIfAborted();
    const bytes = this.#store.getLocalBlockNow(cid);
    this.#counters.blocksSent++;
    this.#counters.dataSent += bytes.byteLength;
    yield bytes;
  }

  async put(cid: CID, bytes: InputPair["bytes"]): Promise<CID> {
    // Helia checked the bytes against the CID before it puts a fetched block
    await this.#store.putFetchedBlock(cid, await whole(bytes));
    return cid;
  }

  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) yield await this.put(cid, bytes);
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options: AbortOptions = {}): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: this.get(cid, options) };
  }

  // blocks go only through the store's gc: the networking side never removes any
  delete(): Promise<void> {
    return Promise.reject(new UnsupportedError("blocks are removed by repo gc only"));
  }

  // biome-ignore lint/correctness/useYield: refuses before yielding anything
  async *deleteMany(): AsyncGenerator<CID> {
    throw new UnsupportedError("blocks are removed by repo gc only");
  }

  // biome-ignore lint/correctness/useYield: refuses before yielding anything
  async *getAll(): AsyncGenerator<Pair> {
    throw new UnsupportedError("listing every block is not offered to the network side");
  }
}

async function whole(bytes: InputPair["bytes"]): Promise<Uint8Array> {
  if (bytes instanceof Uint8Array) return bytes;
  const parts: Uint8Array[] = [];
  for await (const part of bytes) parts.push(part);
  return Buffer.concat(parts);
}
