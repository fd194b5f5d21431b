/**
 * Files of entries for the feed, read verified through the gateways, a few at a time, visible
 * entries first, kept in memory per CID: metadata.json (title, date, tags, description) for every
 * row (the search index, ../search/entry-indexer.ts, hands over the ones it read). Each read is
 * bounded (core/retrieve/entry-reader.ts): an entry over the limits costs a block or two and comes
 * back as a refused state naming the limit, and the other entries go on loading.
 */
import { readEntryMetadata } from "#core/entry/metadata.ts";

/** The verified reader (UnixFS exporter, hashing) is loaded on first use, outside the initial bundle. */
const loadReader = () => import("../ipfs/reader.ts");

export interface EntrySummary {
  title: string;
  date?: string;
  tags: string[];
  description: string;
}

/**
 * An entry's file, loaded or not. `refused`: the entry is over the read limits (core/entry/limits.ts,
 * e.g. a DAG bomb declaring gigabytes) and was refused unread; `error` says which limit.
 */
type LoadState<T> = { status: "ok"; value: T } | { status: "error"; error: string; refused?: boolean };
export type SummaryState = LoadState<EntrySummary>;

/** A read-only view of a loader's states at one version (see `snapshot`). */
interface LoadedStates<T> {
  get(cid: string): LoadState<T> | undefined;
}

const CONCURRENCY = 8;

/** One file of every entry (`path` inside the entry directory), read verified and parsed. */
class VerifiedFileLoader<T> {
  readonly #path: string;
  readonly #parse: (text: string) => T;
  readonly #results = new Map<string, LoadState<T>>();
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #loading = new Set<string>();
  #active = 0;
  #listeners = new Set<() => void>();
  #notifyScheduled = false;
  readonly #waiters = new Map<string, Array<(state: LoadState<T>) => void>>();

  constructor(path: string, parse: (text: string) => T) {
    this.#path = path;
    this.#parse = parse;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  /**
   * The states read so far, for useSyncExternalStore: a new object whenever one arrives, so what a
   * component derives from it (an order by date, tag counts) is recomputed when it changes.
   */
  snapshot = (): LoadedStates<T> => this.#snapshot;
  #snapshot: LoadedStates<T> = this.#view();

  #view(): LoadedStates<T> {
    return { get: (cid) => this.#results.get(cid) };
  }

  get(cid: string): LoadState<T> | undefined {
    return this.#results.get(cid);
  }

  get loadedCount(): number {
    return this.#results.size;
  }

  /** The state of `cid` once read (queued behind the urgent ones; a read under way is shared, never repeated). */
  whenLoaded(cid: string): Promise<LoadState<T>> {
    const known = this.#results.get(cid);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(cid);
      if (waiting) waiting.push(resolve);
      else this.#waiters.set(cid, [resolve]);
      this.request([cid]);
    });
  }

  /** Takes a state read elsewhere (the search index, from its own read or IndexedDB): not read again. */
  prime(cid: string, state: LoadState<T>): void {
    if (this.#results.has(cid)) return;
    this.#results.set(cid, state);
    this.#settle(cid);
    this.#notify();
  }

  /** Ask for these CIDs; `urgent` ones go to the front of the queue. */
  request(cids: string[], urgent = false): void {
    const wanted = cids.filter((cid) => !this.#results.has(cid) && !this.#loading.has(cid));
    if (urgent) {
      for (let i = wanted.length - 1; i >= 0; i--) {
        const cid = wanted[i];
        const at = this.#queue.indexOf(cid);
        if (at >= 0) this.#queue.splice(at, 1);
        this.#queue.unshift(cid);
        this.#queued.add(cid);
      }
    } else {
      for (const cid of wanted) {
        if (this.#queued.has(cid)) continue;
        this.#queue.push(cid);
        this.#queued.add(cid);
      }
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#active < CONCURRENCY && this.#queue.length > 0) {
      const cid = this.#queue.shift()!;
      this.#queued.delete(cid);
      this.#loading.add(cid);
      this.#active++;
      void this.#load(cid).finally(() => {
        this.#active--;
        this.#loading.delete(cid);
        this.#pump();
      });
    }
  }

  async #load(cid: string): Promise<void> {
    if (this.#results.has(cid)) return;
    try {
      const { readVerified, textOf } = await loadReader();
      const { bytes } = await readVerified(cid, this.#path);
      this.#results.set(cid, { status: "ok", value: this.#parse(textOf(bytes)) });
    } catch (error) {
      // By the error's name: the reader's module (and its class) is loaded lazily.
      this.#results.set(cid, { status: "error", error: (error as Error).message, refused: (error as Error).name === "EntryLimitError" });
    }
    this.#settle(cid);
    this.#notify();
  }

  #settle(cid: string): void {
    const waiting = this.#waiters.get(cid);
    if (!waiting) return;
    this.#waiters.delete(cid);
    const state = this.#results.get(cid)!;
    for (const resolve of waiting) resolve(state);
  }

  #notify(): void {
    this.#snapshot = this.#view();
    if (!this.#notifyScheduled) {
      this.#notifyScheduled = true;
      queueMicrotask(() => {
        this.#notifyScheduled = false;
        for (const listener of this.#listeners) listener();
      });
    }
  }
}

/** The summary fields of an entry's metadata.json of any format (read by core/entry/metadata.ts: it is untrusted JSON). */
export function summaryOf(metadata: unknown): EntrySummary {
  const { title, date, tags, description } = readEntryMetadata(metadata);
  return { title, ...(date !== undefined ? { date } : {}), tags, description };
}

/** metadata.json of entries, as feed summaries. */
export class SummaryLoader extends VerifiedFileLoader<EntrySummary> {
  constructor() {
    super("metadata.json", (text) => summaryOf(JSON.parse(text)));
  }
}

export const summaries = new SummaryLoader();
