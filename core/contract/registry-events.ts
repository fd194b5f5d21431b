/**
 * Reading the registry's `EntryPublished(tokenId, author, digest, noteKey)` and
 * `EntryRevised(tokenId, revision, digest)` events: the one reader the CLI, `npm start`'s entry
 * history and the web app share. It decodes with the generated ABI and asks
 * for logs through a minimal {@link LogSource}, so ethers (CLI) and viem (app) each drive it with
 * a small adapter.
 *
 * Block ranges: public RPCs refuse `eth_getLogs` over more than some thousands of blocks (10,000
 * and 2,000 are common) or results, with errors that differ per provider. So every query covers a
 * span of blocks that halves when the RPC refuses it and grows again after a few answers in a row,
 * settling just under the RPC's limit, up to {@link MAX_LOG_SPAN}; a local node answers the whole
 * history in one query. {@link EntryEventReader.readBackwards} reads the same way from the head
 * down, window by window, so a feed shows the newest entries first on a chain with long history.
 * Browser-safe.
 */
import { decodeEventLog, encodeEventTopics, type Address, type Hex } from "viem";
import { todayILearnedAbi } from "./abi.generated.ts";
import { digestToCid } from "../cid.ts";

/** One raw log as an RPC returns it (the fields decoding needs). */
export interface RawLog {
  topics: readonly Hex[];
  data: Hex;
  blockNumber: bigint;
  logIndex: number;
  transactionHash: Hex;
}

/** `eth_getLogs` and `eth_blockNumber`: all the reader needs from a chain client. */
export interface LogSource {
  /** Logs of `address` in `[fromBlock, toBlock]` matching `topics` (null: any), in chain order. */
  getLogs(query: { address: Address; fromBlock: bigint; toBlock: bigint; topics: (Hex | null)[] }): Promise<RawLog[]>;
  blockNumber(): Promise<bigint>;
}

/** One decoded EntryPublished event. */
export interface EntryPublishedEvent {
  tokenId: bigint;
  author: Address;
  /** The first version's digest. */
  digest: Hex;
  cid: string;
  /**
   * keccak256 of the note's identity (core/entry/note-identity.ts), zero for none. Always set by
   * the decoder; optional so that events cached before registry v2 still type-check.
   */
  noteKey?: Hex;
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
}

/** One decoded EntryRevised event: version `revision` (1, 2, ...) of `tokenId` is `digest`. */
export interface EntryRevisedEvent {
  tokenId: bigint;
  revision: bigint;
  digest: Hex;
  cid: string;
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
}

/** Narrows an EntryPublished query by the event's indexed topics. */
export interface EntryEventFilter {
  author?: Address;
  digest?: Hex;
  noteKey?: Hex;
}

/** Narrows an EntryRevised query by the event's indexed topics. */
export interface RevisionEventFilter {
  tokenId?: bigint;
  digest?: Hex;
}

/** The largest span of blocks one query asks for. */
export const MAX_LOG_SPAN = 100_000n;
/** A refusal at this span or below is an error, not a range limit. */
export const MIN_LOG_SPAN = 64n;
/** Answers in a row after which the span grows again (towards {@link MAX_LOG_SPAN}). */
const GROW_AFTER = 4;
/** Answers after which a refused span is forgotten and the span may double past it again. */
const FORGET_REFUSAL_AFTER = 64;

/** The EntryPublished logs among `logs`, decoded; other logs (e.g. Transfer) are skipped. */
export function decodeEntryPublished(logs: readonly RawLog[]): EntryPublishedEvent[] {
  const out: EntryPublishedEvent[] = [];
  const [topic] = entryPublishedTopics();
  for (const log of logs) {
    if (log.topics[0]?.toLowerCase() !== topic) continue;
    const { args } = decodeEventLog({ abi: todayILearnedAbi, eventName: "EntryPublished", topics: log.topics as [Hex, ...Hex[]], data: log.data });
    out.push({
      tokenId: args.tokenId,
      author: args.author,
      digest: args.digest,
      cid: digestToCid(args.digest),
      noteKey: args.noteKey,
      txHash: log.transactionHash,
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
    });
  }
  return out;
}

/** The EntryRevised logs among `logs`, decoded; other logs (e.g. MetadataUpdate) are skipped. */
export function decodeEntryRevised(logs: readonly RawLog[]): EntryRevisedEvent[] {
  const out: EntryRevisedEvent[] = [];
  const [topic] = entryRevisedTopics();
  for (const log of logs) {
    if (log.topics[0]?.toLowerCase() !== topic) continue;
    const { args } = decodeEventLog({ abi: todayILearnedAbi, eventName: "EntryRevised", topics: log.topics as [Hex, ...Hex[]], data: log.data });
    out.push({
      tokenId: args.tokenId,
      revision: args.revision,
      digest: args.digest,
      cid: digestToCid(args.digest),
      txHash: log.transactionHash,
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
    });
  }
  return out;
}

/** The topics of an EntryPublished query: [event, author, digest, noteKey], trailing wildcards dropped. */
export function entryPublishedTopics(filter: EntryEventFilter = {}): (Hex | null)[] {
  return trimmed(
    encodeEventTopics({
      abi: todayILearnedAbi,
      eventName: "EntryPublished",
      args: { author: filter.author, digest: filter.digest, noteKey: filter.noteKey },
    }) as (Hex | null)[],
  );
}

/** The topics of an EntryRevised query: [event, tokenId, digest], trailing wildcards dropped. */
function entryRevisedTopics(filter: RevisionEventFilter = {}): (Hex | null)[] {
  return trimmed(
    encodeEventTopics({
      abi: todayILearnedAbi,
      eventName: "EntryRevised",
      args: { tokenId: filter.tokenId, digest: filter.digest },
    }) as (Hex | null)[],
  );
}

function trimmed(topics: (Hex | null)[]): (Hex | null)[] {
  while (topics.length > 1 && topics.at(-1) === null) topics.pop();
  return topics.map((t) => (t === null ? null : (t.toLowerCase() as Hex)));
}

/**
 * The registry's EntryPublished events through one {@link LogSource}. Keeps the span that last
 * worked, so a caller that polls (the app's feed, the stack's history) stays within the RPC's limit.
 */
export class EntryEventReader {
  readonly address: Address;
  readonly #source: LogSource;
  #span = MAX_LOG_SPAN;
  /** The smallest span refused lately: growth stays below it until it is forgotten. */
  #refused: bigint | undefined;
  /** Answers since the span last changed, and since the last refusal. */
  #streak = 0;
  #sinceRefusal = 0;
  /** The span of the last query answered in full. */
  #good = 0n;

  constructor(source: LogSource, address: Address) {
    this.#source = source;
    this.address = address;
  }

  /** Blocks the next query asks for at most. */
  get span(): bigint {
    return this.#span;
  }

  /** The latest block number. */
  latestBlock(): Promise<bigint> {
    return this.#source.blockNumber();
  }

  /**
   * Events in `[fromBlock, toBlock]` (toBlock: the latest block when omitted), oldest first,
   * optionally narrowed to one author or one digest. Throws the RPC's error when it refuses even
   * a span of {@link MIN_LOG_SPAN} blocks.
   */
  read(fromBlock: bigint, toBlock?: bigint, filter: EntryEventFilter = {}): Promise<EntryPublishedEvent[]> {
    return this.#readForward(fromBlock, toBlock, entryPublishedTopics(filter), decodeEntryPublished);
  }

  /**
   * EntryRevised events in `[fromBlock, toBlock]`, oldest first, optionally narrowed to one token
   * (its history) or one digest (the tokens one of whose revisions is that CID). Same block ranges
   * as {@link read}.
   */
  readRevisions(fromBlock: bigint, toBlock?: bigint, filter: RevisionEventFilter = {}): Promise<EntryRevisedEvent[]> {
    return this.#readForward(fromBlock, toBlock, entryRevisedTopics(filter), decodeEntryRevised);
  }

  async #readForward<T>(fromBlock: bigint, toBlock: bigint | undefined, topics: (Hex | null)[], decode: (logs: readonly RawLog[]) => T[]): Promise<T[]> {
    const last = toBlock ?? (await this.#source.blockNumber());
    const out: T[] = [];
    for (let from = fromBlock; from <= last; ) {
      const to = from + this.#span - 1n < last ? from + this.#span - 1n : last;
      const logs = await this.#window(from, to, topics);
      if (!logs) continue;
      out.push(...decode(logs));
      if (to - from + 1n === this.#span) this.#good = this.#span;
      from = to + 1n;
      this.#answered();
    }
    return out;
  }

  /** The logs of `[from, to]`, or undefined when the RPC refused that span (now shrunk: ask again). */
  async #window(from: bigint, to: bigint, topics: ReturnType<typeof entryPublishedTopics>): Promise<RawLog[] | undefined> {
    try {
      return await this.#source.getLogs({ address: this.address, fromBlock: from, toBlock: to, topics });
    } catch (error) {
      if (to - from + 1n <= MIN_LOG_SPAN) throw error;
      this.#refuse(to - from + 1n);
      return undefined;
    }
  }

  /**
   * Events of `[fromBlock, toBlock]` read backwards from `toBlock`, one window of blocks at a time,
   * newest first: each yielded window holds the events of `[from, to]`, newest first, so a caller
   * shows the latest entries without waiting for the rest of history. Windows follow the same
   * adaptive span as {@link read} (a refused window is asked again, smaller, ending at the same
   * block). `firstSpan` caps the first window only: a small first query, under any RPC's limit,
   * brings the newest entries at once, before the span has found the RPC's limit. Stop iterating
   * to stop reading.
   */
  async *readBackwards(
    fromBlock: bigint,
    toBlock: bigint,
    filter: EntryEventFilter = {},
    firstSpan?: bigint,
  ): AsyncGenerator<{ from: bigint; to: bigint; events: EntryPublishedEvent[] }> {
    const topics = entryPublishedTopics(filter);
    let cap = firstSpan;
    for (let to = toBlock; to >= fromBlock; ) {
      const span = cap !== undefined && cap < this.#span ? cap : this.#span;
      const from = to - span + 1n > fromBlock ? to - span + 1n : fromBlock;
      const logs = await this.#window(from, to, topics);
      if (!logs) continue;
      if (cap !== undefined) cap = undefined;
      else {
        if (to - from + 1n === this.#span) this.#good = this.#span;
        this.#answered();
      }
      yield { from, to, events: decodeEntryPublished(logs).reverse() };
      to = from - 1n;
    }
  }

  /** Refused (too many blocks or results): the next query, from the same block, asks for less. */
  #refuse(attempted: bigint): void {
    const half = attempted / 2n;
    // Back to the last span answered when it lies between, else half of what was refused.
    this.#span = this.#good < attempted && this.#good > half ? this.#good : half;
    this.#refused = this.#refused !== undefined && this.#refused < attempted ? this.#refused : attempted;
    this.#streak = 0;
    this.#sinceRefusal = 0;
  }

  /**
   * After {@link GROW_AFTER} answers in a row the span grows: doubling, or halfway to the smallest
   * span refused lately (so it settles just under an RPC's limit); a refusal is forgotten after
   * {@link FORGET_REFUSAL_AFTER} answers, in case the limit was a passing one.
   */
  #answered(): void {
    if (++this.#sinceRefusal >= FORGET_REFUSAL_AFTER) this.#refused = undefined;
    if (++this.#streak < GROW_AFTER) return;
    this.#streak = 0;
    let grown = this.#span * 2n;
    if (this.#refused !== undefined) grown = (this.#span + this.#refused) / 2n;
    if (grown > MAX_LOG_SPAN) grown = MAX_LOG_SPAN;
    // Within a sixteenth of the refused span is close enough: stay.
    if (grown - this.#span > this.#span / 16n) this.#span = grown;
  }

  /**
   * The tokens whose content is or was a digest: those published with it (oldest first), then
   * those revised to it (in the order of their revisions), each once. Which of them is *the* entry
   * is for the caller to say (the token whose author the content names: {@link pickEntryToken} in token-id.ts).
   */
  async tokensOfDigest(digest: Hex, fromBlock: bigint): Promise<bigint[]> {
    const last = await this.#source.blockNumber();
    const published = (await this.read(fromBlock, last, { digest })).map((e) => e.tokenId);
    const revised = (await this.readRevisions(fromBlock, last, { digest })).map((e) => e.tokenId);
    return [...new Set([...published, ...revised])];
  }

  /** The EntryPublished event of `author`'s entries for the note whose noteKey is `noteKey`, oldest first. */
  entriesOfNote(author: Address, noteKey: Hex, fromBlock: bigint): Promise<EntryPublishedEvent[]> {
    return this.read(fromBlock, undefined, { author, noteKey });
  }

  /**
   * The event of entry #`sequence` (1-based), or undefined: the registry has no view from sequence
   * to token, so it is the `sequence`-th EntryPublished event since the deploy block.
   */
  async eventAtSequence(sequence: bigint, fromBlock: bigint): Promise<EntryPublishedEvent | undefined> {
    if (sequence < 1n) return undefined;
    const events = await this.read(fromBlock);
    return sequence <= BigInt(events.length) ? events[Number(sequence) - 1] : undefined;
  }
}
