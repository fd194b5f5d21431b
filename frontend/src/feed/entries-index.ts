/**
 * The list of every published entry, from the registry's EntryPublished events (the shared reader,
 * ../chain/registry.ts), newest first without reading all history first: the reader goes backwards
 * from the head in windows of blocks (as large as the RPC allows: public RPCs cap a log query at
 * some thousands of blocks or results), and each window's entries show as soon as it answers,
 * while older windows go on filling in below. Every window read is kept in IndexedDB
 * (event-cache.ts), so the next visit shows what it read at once and reads only the blocks since
 * then and any history not reached yet. New blocks are then read forwards every few seconds.
 * Each entry shows its latest version: the registry's EntryRevised events, read through the same
 * shared reader over the same block ranges as the entries (each window right after its rows show,
 * so revisions never delay the first rows), give each revised token its latest CID.
 * An external store for React (useSyncExternalStore): `snapshot()` is a new object only when
 * something changed.
 */
import type { EntryPublishedEvent, EntryRevisedEvent } from "#core/contract/registry-events.ts";
import { settings } from "../settings/settings.ts";
import { deployBlock, deployBlockHash, entryEvents } from "../chain/registry.ts";
import { EventCache, RevisionCache } from "./event-cache.ts";

/** An entry as the feed lists it: its EntryPublished event, with `cid` and `digest` those of its latest version. */
export type IndexedEntry = EntryPublishedEvent & {
  /** The latest version's number (0: never revised). */
  revision?: number;
};

interface EntriesSnapshot {
  /** Newest first. */
  entries: IndexedEntry[];
  status: "loading" | "ready" | "error";
  error?: string;
  /** Last block included. */
  toBlock?: bigint;
  /** Every block from the deploy block on has been read (older entries may still be coming when false). */
  historyComplete: boolean;
}

const POLL_MS = 4_000;
/**
 * The first window read backwards from the head: under the smallest limit common among public
 * RPCs (2,000 blocks), so the newest entries come with the first answer; later windows grow to
 * whatever the RPC allows.
 */
const FIRST_WINDOW = 2_000n;

class EntriesIndex {
  #snapshot: EntriesSnapshot = { entries: [], status: "loading", historyComplete: false };
  #listeners = new Set<() => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  #nextBlock = deployBlock();
  #cache: EventCache | undefined;
  #revisionCache: RevisionCache | undefined;
  /** Newest first: read forwards since the start (new blocks), above the history read backwards. */
  #fresh: IndexedEntry[] = [];
  /** Newest first: history, read backwards (and from the cache). */
  #history: IndexedEntry[] = [];
  #historyComplete = false;
  #starting: Promise<void> | undefined;
  /** Latest version of each revised token, from the EntryRevised events read so far. */
  #latest = new Map<bigint, { revision: number; cid: string; digest: EntryPublishedEvent["digest"] }>();
  #revisionsRead: Promise<void> = Promise.resolve();
  /** Block ranges whose EntryRevised events could not be read yet (asked again at the next poll). */
  #missedRevisions: Array<[bigint, bigint]> = [];

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

  #set(next: Omit<EntriesSnapshot, "historyComplete">): void {
    this.#snapshot = { ...next, historyComplete: this.#historyComplete };
    for (const listener of this.#listeners) listener();
  }

  /**
   * Reads the EntryRevised events of blocks `[from, to]` (one read at a time) and shows what
   * changed; never fails: a range that could not be read is asked again at the next poll.
   */
  #readRevisions(from: bigint, to: bigint): Promise<void> {
    this.#revisionsRead = this.#revisionsRead.then(async () => {
      if (to < from) return;
      let events: EntryRevisedEvent[];
      try {
        events = await entryEvents.readRevisions(from, to);
      } catch {
        this.#missedRevisions.push([from, to]);
        return;
      }
      void this.#revisionCache?.save(from, to, events).catch(() => undefined);
      if (this.#applyRevisions(events)) this.#publish();
    });
    return this.#revisionsRead;
  }

  /** Takes each token's newest revision among `events`; whether any was new. */
  #applyRevisions(events: EntryRevisedEvent[]): boolean {
    let changed = false;
    for (const event of events) {
      const known = this.#latest.get(event.tokenId);
      if (!known || Number(event.revision) > known.revision) {
        this.#latest.set(event.tokenId, { revision: Number(event.revision), cid: event.cid, digest: event.digest });
        changed = true;
      }
    }
    return changed;
  }

  /** The entry with its latest version's CID. */
  #latestOf = (entry: IndexedEntry): IndexedEntry => {
    const latest = this.#latest.get(entry.tokenId);
    return latest ? { ...entry, cid: latest.cid, digest: latest.digest, revision: latest.revision } : entry;
  };

  #publish(): void {
    const listed = this.#fresh.length > 0 ? [...this.#fresh, ...this.#history] : this.#history;
    const entries = this.#latest.size > 0 ? listed.map(this.#latestOf) : listed;
    // Still "loading" while nothing is found and older blocks remain (not "no entries yet").
    this.#set({ entries, status: entries.length === 0 && !this.#historyComplete ? "loading" : "ready", toBlock: this.#nextBlock - 1n });
  }

  #fail(error: unknown): void {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    this.#set({
      ...this.#snapshot,
      status: "error",
      error: `Cannot read entries from ${settings.rpcUrl} (registry ${settings.contractAddress}): ${message}. Check the chain RPC and contract address in Settings.`,
    });
  }

  #polling: Promise<void> | undefined;
  #poll(): Promise<void> {
    this.#polling ??= (this.#starting ? this.#load() : this.#start()).finally(() => {
      this.#polling = undefined;
      this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
    });
    return this.#polling;
  }

  /**
   * The first read: what the cache holds (shown at once), then the blocks from there up to the head
   * read backwards, then the rest of history below, backwards, in the background.
   */
  #start(): Promise<void> {
    this.#starting = (async () => {
      try {
        const first = deployBlock();
        const [latest, hash] = await Promise.all([entryEvents.latestBlock(), deployBlockHash().catch(() => undefined)]);
        this.#cache = hash ? new EventCache(settings.chainId, settings.contractAddress, hash) : undefined;
        this.#revisionCache = hash ? new RevisionCache(settings.chainId, settings.contractAddress, hash) : undefined;
        let cached = await this.#cache?.load().catch(() => undefined);
        if (cached && (cached.to > latest || cached.from < first)) cached = undefined;
        let cachedRevisions = cached ? await this.#revisionCache?.load().catch(() => undefined) : undefined;
        if (cachedRevisions && (cachedRevisions.to > latest || cachedRevisions.from < first)) cachedRevisions = undefined;
        if (cachedRevisions) this.#applyRevisions(cachedRevisions.events);
        let above: IndexedEntry[] = [];
        if (cached) {
          this.#history = cached.events;
          this.#historyComplete = cached.from <= first;
          this.#nextBlock = latest + 1n;
          this.#publish();
          // The blocks since the last visit, newest first, above what was cached.
          for await (const window of entryEvents.readBackwards(cached.to + 1n, latest, {}, FIRST_WINDOW)) {
            void this.#cache?.save(window.from, window.to, window.events);
            above = above.concat(window.events);
            this.#history = above.concat(cached.events);
            this.#publish();
            await this.#readRevisions(window.from, window.to);
          }
          // The cached range's revisions, unless kept too (in the background: its rows are shown already).
          if (!cachedRevisions || cachedRevisions.from > cached.from || cachedRevisions.to < cached.to) void this.#readRevisions(cached.from, cached.to);
        }
        this.#nextBlock = latest + 1n;
        if (!this.#historyComplete) void this.#readHistory(first, cached ? cached.from - 1n : latest);
        else this.#publish();
      } catch (error) {
        this.#starting = undefined;
        this.#fail(error);
      }
    })();
    return this.#starting;
  }

  /** History from `to` down to `first`, backwards, window by window; retried after a failure. */
  async #readHistory(first: bigint, to: bigint): Promise<void> {
    let next = to;
    for (;;) {
      try {
        for await (const window of entryEvents.readBackwards(first, next, {}, next === to ? FIRST_WINDOW : undefined)) {
          void this.#cache?.save(window.from, window.to, window.events);
          if (window.events.length > 0) this.#history = this.#history.concat(window.events);
          next = window.from - 1n;
          this.#historyComplete = next < first;
          this.#publish();
          // Then the revisions of the same blocks: the rows are on screen meanwhile.
          await this.#readRevisions(window.from, window.to);
        }
        this.#historyComplete = true;
        this.#publish();
        return;
      } catch (error) {
        this.#fail(error);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
  }

  /** New blocks since the last read, forwards. */
  async #load(): Promise<void> {
    try {
      await this.#starting;
      const latest = await entryEvents.latestBlock();
      if (latest < this.#nextBlock) {
        if (this.#snapshot.status === "error") this.#publish();
        return;
      }
      const from = this.#nextBlock;
      for (const [missedFrom, missedTo] of this.#missedRevisions.splice(0)) await this.#readRevisions(missedFrom, missedTo);
      await this.#readRevisions(from, latest);
      const fresh = (await entryEvents.read(from, latest)).reverse();
      void this.#cache?.save(from, latest, fresh);
      this.#nextBlock = latest + 1n;
      if (fresh.length > 0) this.#fresh = fresh.concat(this.#fresh);
      if (fresh.length > 0 || this.#snapshot.status !== "ready") this.#publish();
    } catch (error) {
      this.#fail(error);
    }
  }
}

export const entriesIndex = new EntriesIndex();
