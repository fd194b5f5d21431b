/**
 * The registry's EntryPublished events kept across visits, by block range: every window the feed
 * reads (backwards from the head, or forwards for new blocks) is stored once in IndexedDB, and a
 * visit starts from the contiguous run of stored windows that ends highest, so it only reads the
 * blocks since its last visit and whatever history it had not reached. Keyed by chain id, registry
 * address and the hash of the deploy block, so a restarted local chain (same address, new history)
 * never shows another chain's entries. The EntryRevised events read over the same windows are kept
 * the same way ({@link RevisionCache}), so a revisit knows each entry's latest version at once.
 */
import type { Address, Hex } from "viem";
import type { EntryPublishedEvent, EntryRevisedEvent } from "#core/contract/registry-events.ts";
import { getByPrefix, put, STORES } from "../storage/idb.ts";

/** One stored window: the events of blocks [from, to], in any order. */
export interface StoredWindow {
  from: string;
  to: string;
  /** [tokenId, author, digest, cid, txHash, blockNumber, logIndex]. */
  events: Array<[string, Address, Hex, string, Hex, string, number]>;
}

/** Events of a contiguous block range, newest first. */
export interface CachedRange {
  from: bigint;
  to: bigint;
  events: EntryPublishedEvent[];
}

const encode = (from: bigint, to: bigint, events: EntryPublishedEvent[]): StoredWindow => ({
  from: String(from),
  to: String(to),
  events: events.map((e) => [String(e.tokenId), e.author, e.digest, e.cid, e.txHash, String(e.blockNumber), e.logIndex]),
});

const decode = (w: StoredWindow): EntryPublishedEvent[] =>
  w.events.map(([tokenId, author, digest, cid, txHash, blockNumber, logIndex]) => ({
    tokenId: BigInt(tokenId),
    author,
    digest,
    cid,
    txHash,
    blockNumber: BigInt(blockNumber),
    logIndex,
  }));

interface ChainEvent {
  blockNumber: bigint;
  logIndex: number;
}

const newestFirst = (a: ChainEvent, b: ChainEvent) => (a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : a.blockNumber > b.blockNumber ? -1 : 1);

/**
 * The contiguous run of `windows` that ends at the highest block, merged: overlapping windows count
 * once (each event once), a window that leaves a gap below the run ends it.
 */
export function contiguousFromTop(windows: StoredWindow[]): CachedRange | undefined {
  return mergeFromTop(windows, decode);
}

function mergeFromTop<W extends { from: string; to: string }, E extends ChainEvent>(
  windows: W[],
  decodeWindow: (w: W) => E[],
): { from: bigint; to: bigint; events: E[] } | undefined {
  const sorted = windows
    .map((w) => ({ w, from: BigInt(w.from), to: BigInt(w.to) }))
    .sort((a, b) => (a.to === b.to ? (a.from < b.from ? -1 : 1) : a.to > b.to ? -1 : 1));
  if (sorted.length === 0) return undefined;
  const top = sorted[0];
  let lo = top.from;
  const events = decodeWindow(top.w);
  for (const { w, from, to } of sorted.slice(1)) {
    if (from >= lo) continue; // inside the run already
    if (to < lo - 1n) break; // a gap: older windows are not contiguous with the run
    for (const e of decodeWindow(w)) if (e.blockNumber < lo) events.push(e);
    lo = from;
  }
  return { from: lo, to: top.to, events: events.sort(newestFirst) };
}

/** The stored events of one registry on one chain. */
export class EventCache {
  readonly #prefix: string;

  constructor(chainId: number, address: Address, deployBlockHash: Hex) {
    this.#prefix = `${chainId}:${address.toLowerCase()}:${deployBlockHash}:`;
  }

  /** The contiguous range read on earlier visits that ends highest, or undefined. */
  async load(): Promise<CachedRange | undefined> {
    return contiguousFromTop(await getByPrefix<StoredWindow>(STORES.eventWindows, this.#prefix));
  }

  /** Keeps the events of blocks [from, to] (every event of that range, possibly none). */
  save(from: bigint, to: bigint, events: EntryPublishedEvent[]): Promise<void> {
    return put(STORES.eventWindows, windowKey(this.#prefix, from, to), encode(from, to, events));
  }
}

const windowKey = (prefix: string, from: bigint, to: bigint) => `${prefix}${String(from).padStart(20, "0")}-${String(to).padStart(20, "0")}`;

/** One stored window of EntryRevised events: [tokenId, revision, digest, cid, txHash, blockNumber, logIndex]. */
interface StoredRevisionWindow {
  from: string;
  to: string;
  events: Array<[string, string, Hex, string, Hex, string, number]>;
}

const decodeRevisions = (w: StoredRevisionWindow): EntryRevisedEvent[] =>
  w.events.map(([tokenId, revision, digest, cid, txHash, blockNumber, logIndex]) => ({
    tokenId: BigInt(tokenId),
    revision: BigInt(revision),
    digest,
    cid,
    txHash,
    blockNumber: BigInt(blockNumber),
    logIndex,
  }));

/** The stored EntryRevised events of one registry on one chain, by block range like {@link EventCache}'s. */
export class RevisionCache {
  readonly #prefix: string;

  constructor(chainId: number, address: Address, deployBlockHash: Hex) {
    // Not under EventCache's prefix (`<chain>:<address>:<hash>:`), so neither reads the other's windows.
    this.#prefix = `${chainId}:${address.toLowerCase()}:revisions:${deployBlockHash}:`;
  }

  /** The contiguous range of revisions read on earlier visits that ends highest, or undefined. */
  async load(): Promise<{ from: bigint; to: bigint; events: EntryRevisedEvent[] } | undefined> {
    return mergeFromTop(await getByPrefix<StoredRevisionWindow>(STORES.eventWindows, this.#prefix), decodeRevisions);
  }

  /** Keeps the EntryRevised events of blocks [from, to]. */
  save(from: bigint, to: bigint, events: EntryRevisedEvent[]): Promise<void> {
    const stored: StoredRevisionWindow = {
      from: String(from),
      to: String(to),
      events: events.map((e) => [String(e.tokenId), String(e.revision), e.digest, e.cid, e.txHash, String(e.blockNumber), e.logIndex]),
    };
    return put(STORES.eventWindows, windowKey(this.#prefix, from, to), stored);
  }
}
