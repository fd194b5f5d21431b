/**
 * The list of every published entry, from the registry's EntryPublished events (the shared reader,
 * ../chain/registry.ts): one query from the deploy block (split only where the RPC limits ranges),
 * then an incremental query for new blocks every few seconds. An external store
 * for React (useSyncExternalStore): `snapshot()` is a new object only when something changed.
 */
import type { EntryPublishedEvent } from "../../../core/contract/registry-events.ts";
import { settings } from "../settings/settings.ts";
import { deployBlock, entryEvents } from "../chain/registry.ts";

export type IndexedEntry = EntryPublishedEvent;

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
  #nextBlock = deployBlock();

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
      const latest = await entryEvents.latestBlock();
      if (latest < this.#nextBlock) {
        if (this.#snapshot.status !== "ready") this.#set({ ...this.#snapshot, status: "ready", error: undefined });
        return;
      }
      const fresh = (await entryEvents.read(this.#nextBlock, latest)).reverse();
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

export const entriesIndex = new EntriesIndex();
