/**
 * Builds the search index (search-index.ts) over every entry of the feed, progressively: each
 * entry's metadata.json and index.md are read verified through the gateways (the shared reader,
 * ../ipfs/reader.ts, a few at a time), their terms indexed, and the result kept in IndexedDB by CID
 * (content never changes under a CID, so a record never needs invalidating): the next visit
 * indexes from there without reading the network. The summaries read here are handed to the feed's
 * metadata loader, so a row never reads its metadata twice. An external store for React.
 */
import type { IndexedEntry } from "../feed/entries-index.ts";
import { summaries, summaryOf, type EntrySummary, type SummaryState } from "../feed/metadata.ts";
import type { EntryMetadata } from "#core/entry/pack.ts";
import { getMany, putMany, STORES } from "../storage/idb.ts";
import { SearchIndex, termsOf } from "./search-index.ts";

const loadReader = () => import("../ipfs/reader.ts");

/** One entry as kept in IndexedDB. */
export interface StoredEntryTerms {
  /** The feed summary, or why the entry was refused (over the read limits: final, like its content). */
  summary: EntrySummary | { refused: string };
  terms: string[];
}

const CONCURRENCY = 4;
const CACHE_BATCH = 400;
const NOTIFY_MS = 200;

export interface IndexProgress {
  indexed: number;
  total: number;
}

/** The index at one moment, for useSyncExternalStore: a new object whenever the index grows. */
export interface IndexSnapshot {
  index: SearchIndex;
  progress: IndexProgress;
}

export class EntryIndexer {
  readonly index = new SearchIndex();
  /** CIDs known (queued, being read or indexed), and the ones still to read from the network. */
  readonly #known = new Set<string>();
  readonly #toRead: IndexedEntry[] = [];
  readonly #fromCache: IndexedEntry[] = [];
  #active = 0;
  #cacheBusy = false;
  #failed = 0;
  #total = 0;
  #listeners = new Set<() => void>();
  #notifyTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #read: (cid: string, path: string) => Promise<string>;
  /** Tests read metadata.json through `read` too; the app through the feed's loader. */
  readonly #summary: ((cid: string) => Promise<SummaryState>) | undefined;

  constructor(read?: (cid: string, path: string) => Promise<string>) {
    this.#summary = read
      ? async (cid) => {
          try {
            return { status: "ok", value: summaryOf(JSON.parse(await read(cid, "metadata.json")) as EntryMetadata) };
          } catch (error) {
            return { status: "error", error: (error as Error).message, refused: (error as Error).name === "EntryLimitError" };
          }
        }
      : undefined;
    this.#read =
      read ??
      (async (cid, path) => {
        const { readVerified, textOf } = await loadReader();
        return textOf((await readVerified(cid, path)).bytes);
      });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  /** A new snapshot whenever the index grows (throttled). */
  snapshot = (): IndexSnapshot => this.#snapshot;
  #snapshot: IndexSnapshot = { index: this.index, progress: { indexed: 0, total: 0 } };

  progress(): IndexProgress {
    return { indexed: this.index.size, total: this.#total };
  }

  /** Entries that could not be read this visit (not indexed; asked again on the next visit). */
  get failed(): number {
    return this.#failed;
  }

  /** Index these entries (the feed's, newest first); the ones already known are skipped. */
  add(entries: IndexedEntry[]): void {
    this.#total = Math.max(this.#total, entries.length);
    for (const entry of entries) {
      if (this.#known.has(entry.cid)) continue;
      this.#known.add(entry.cid);
      this.#fromCache.push(entry);
    }
    void this.#drainCache();
  }

  /** Looks entries up in IndexedDB in batches; the ones found are indexed, the others read. */
  async #drainCache(): Promise<void> {
    if (this.#cacheBusy) return;
    this.#cacheBusy = true;
    try {
      while (this.#fromCache.length > 0) {
        const batch = this.#fromCache.splice(0, CACHE_BATCH);
        const records = await getMany<StoredEntryTerms>(
          STORES.entryTerms,
          batch.map((e) => e.cid),
        );
        batch.forEach((entry, i) => {
          const record = records[i];
          if (record) this.#accept(entry, record);
          else this.#toRead.push(entry);
        });
        this.#pump();
        this.#changed();
      }
    } finally {
      this.#cacheBusy = false;
    }
  }

  #pump(): void {
    while (this.#active < CONCURRENCY && this.#toRead.length > 0) {
      const entry = this.#toRead.shift()!;
      this.#active++;
      void this.#readEntry(entry).finally(() => {
        this.#active--;
        this.#pump();
      });
    }
  }

  #pendingWrites: Array<[string, StoredEntryTerms]> = [];
  #writeTimer: ReturnType<typeof setTimeout> | undefined;

  async #readEntry(entry: IndexedEntry): Promise<void> {
    let record: StoredEntryTerms;
    const refused = (message: string): StoredEntryTerms => ({ summary: { refused: message }, terms: [...termsOf(`${entry.cid} ${entry.author}`)] });
    try {
      // metadata.json through the feed's loader: one read per entry, whoever asks first.
      const loaded = this.#summary ? await this.#summary(entry.cid) : await summaries.whenLoaded(entry.cid);
      if (loaded.status === "error" && loaded.refused) {
        record = refused(loaded.error);
      } else if (loaded.status === "error") {
        throw new Error(loaded.error);
      } else {
        const summary = loaded.value;
        const body = await this.#read(entry.cid, "index.md");
        const terms = termsOf(`${summary.title}\n${summary.description}\n${summary.tags.join(" ")}\n${entry.cid}\n${entry.author}`);
        termsOf(body, terms);
        record = { summary, terms: [...terms] };
      }
    } catch (error) {
      if ((error as Error).name !== "EntryLimitError") {
        // Unreachable now (gateways down, a timeout): not indexed, asked again on the next visit.
        this.#failed++;
        this.#changed();
        return;
      }
      record = refused((error as Error).message);
    }
    this.#accept(entry, record);
    this.#pendingWrites.push([entry.cid, record]);
    this.#writeTimer ??= setTimeout(() => {
      this.#writeTimer = undefined;
      void putMany(STORES.entryTerms, this.#pendingWrites.splice(0));
    }, 500);
    this.#changed();
  }

  #accept(entry: IndexedEntry, record: StoredEntryTerms): void {
    const summary = "refused" in record.summary ? undefined : record.summary;
    summaries.prime(
      entry.cid,
      summary ? { status: "ok", value: summary } : { status: "error", error: (record.summary as { refused: string }).refused, refused: true },
    );
    this.index.add(entry.cid, { terms: record.terms, tags: summary?.tags ?? [] });
  }

  #changed(): void {
    this.#notifyTimer ??= setTimeout(() => {
      this.#notifyTimer = undefined;
      this.#snapshot = { index: this.index, progress: this.progress() };
      for (const listener of this.#listeners) listener();
    }, NOTIFY_MS);
  }
}

export const entryIndexer = new EntryIndexer();
