/**
 * The list of every published entry, from the registry's EntryPublished events: one log query from
 * the deploy block, then an incremental query for new blocks every few seconds. An external store
 * for React (useSyncExternalStore): `snapshot()` is a new object only when something changed.
 */
import type { Address, Hex } from "viem";
import { digestToCid } from "../../../core/cid.ts";
import { settings } from "../settings/settings.ts";
import { entryPublishedEvent, publicClient, registry } from "./registry.ts";

export interface IndexedEntry {
  tokenId: bigint;
  author: Address;
  digest: Hex;
  cid: string;
  blockNumber: bigint;
  logIndex: number;
}

export interface EntriesSnapshot {
  /** Newest first. */
  entries: IndexedEntry[];
  status: "loading" | "ready" | "error";
  error?: string;
  /** Last block included. */
  toBlock?: bigint;
}

const POLL_MS = 4_000;

export class EntriesIndex {
  #snapshot: EntriesSnapshot = { entries: [], status: "loading" };
  #listeners = new Set<() => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  #nextBlock = BigInt(settings.deployBlock);

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (!this.#started) {
      this.#started = true;
      void this.#poll();
    }
    return () => this.#listeners.delete(listener);
  };

  snapshot = (): EntriesSnapshot => this.#snapshot;

  /** Look for new entries now (e.g. right after publishing). */
  refresh(): Promise<void> {
    clearTimeout(this.#timer);
    return this.#poll();
  }

  #set(next: EntriesSnapshot): void {
    this.#snapshot = next;
    for (const listener of this.#listeners) listener();
  }

  #polling: Promise<void> | undefined;
  #poll(): Promise<void> {
    this.#polling ??= this.#load().finally(() => {
      this.#polling = undefined;
      this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
    });
    return this.#polling;
  }

  async #load(): Promise<void> {
    try {
      const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
      if (latest < this.#nextBlock) {
        if (this.#snapshot.status !== "ready") this.#set({ ...this.#snapshot, status: "ready", error: undefined });
        return;
      }
      const logs = await entryLogs(this.#nextBlock, latest);
      const fresh: IndexedEntry[] = [];
      for (let i = logs.length - 1; i >= 0; i--) {
        const { args, blockNumber, logIndex } = logs[i];
        if (args.tokenId === undefined || !args.author || !args.digest) continue;
        fresh.push({ tokenId: args.tokenId, author: args.author, digest: args.digest, cid: digestToCid(args.digest), blockNumber: blockNumber!, logIndex: logIndex! });
      }
      this.#nextBlock = latest + 1n;
      if (fresh.length > 0 || this.#snapshot.status !== "ready") {
        this.#set({ entries: fresh.length > 0 ? [...fresh, ...this.#snapshot.entries] : this.#snapshot.entries, status: "ready", toBlock: latest });
      }
    } catch (error) {
      const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
      this.#set({
        ...this.#snapshot,
        status: "error",
        error: `Cannot read entries from ${settings.rpcUrl} (registry ${settings.contractAddress}): ${message}. Check the chain RPC and contract address in Settings.`,
      });
    }
  }
}

type EntryLog = Awaited<ReturnType<typeof publicClient.getLogs<typeof entryPublishedEvent>>>[number];

/**
 * EntryPublished logs of a block range: one query, split in halves when the RPC refuses a range
 * that large (public RPCs cap eth_getLogs by block span or result count).
 */
async function entryLogs(fromBlock: bigint, toBlock: bigint, depth = 0): Promise<EntryLog[]> {
  try {
    return await publicClient.getLogs({ address: registry.address, event: entryPublishedEvent, fromBlock, toBlock });
  } catch (error) {
    if (toBlock - fromBlock < 16n || depth > 16) throw error;
    const middle = fromBlock + (toBlock - fromBlock) / 2n;
    const first: EntryLog[] = await entryLogs(fromBlock, middle, depth + 1);
    return [...first, ...(await entryLogs(middle + 1n, toBlock, depth + 1))];
  }
}

export const entriesIndex = new EntriesIndex();
