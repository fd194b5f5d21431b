/**
 * The publish pipeline behind `til publish` and `til import`, as stages that return results:
 *
 *   pack     import items -> each note packed locally (its CID known before anything is sent),
 *            or skipped, or failed, with its warnings                          {@link packNotes}
 *   check    a chunk's entries -> for each, new, unchanged (published already) or a revision of
 *            the author's token of the same note (found by its noteKey; packed again naming
 *            the latest version as `previous`)                                 {@link checkNotes}
 *   pin      a chunk's entries -> pinned through the Kubo RPC API, each checked to come back
 *            under its locally computed CID                                     {@link pinChunk}
 *   mint     the chunk's new entries -> one publishBatch transaction              {@link mintChunk}
 *   revise   the chunk's revisions -> one revise transaction each               {@link reviseChunk}
 *   journal  each step's records, appended (flushed to disk) once the step is done (journal.ts)
 *   summary  the stages' results -> the JSON summary and the exit code         {@link summarize}
 *
 * Entries flow in chunks of `batchSize` (one transaction each). Packing the next chunk, pinning
 * this one and minting the one before overlap: at most three chunks are in memory, and mints are
 * sent one at a time, in order. A stage that fails stops the run once the work under way has
 * settled (what it minted is journaled); its error is thrown with the exit code it carries.
 *
 * Never loses, never doubles: each step is written to the journal once done, and every run asks the
 * registry which entries this author already has (`tokensOf`), so running the same command again
 * after a crash, Ctrl-C or an outage continues where it stopped. Pinned content is not pinned again,
 * and the contract itself refuses a second token for the same author and CID.
 */
import type { Contract, TransactionReceipt, Wallet } from "ethers";
import type { Hex } from "viem";
import { digestToCid } from "#core/cid.ts";
import type { EntryRevisedEvent } from "#core/contract/registry-events.ts";
import { noteIdentity, noteKey as noteKeyOf } from "#core/entry/note-identity.ts";
import type { Note } from "#core/entry/note.ts";
import type { KuboRPCClient } from "kubo-rpc-client";
import { forEachConcurrently } from "#core/concurrency.ts";
import type { Deployment } from "#core/contract/deployment.ts";
import { isContractError } from "#core/contract/contract-errors.ts";
import { packEntry, EntryTooLargeError, NoteTooLargeError, EntryError, type PackedEntry } from "#core/entry/index.ts";
import { pinEntries, type EntryPinClient, type PinnedEntry } from "#core/entry/pin.ts";
import { formatWarning, locateWarning, type Warning } from "#core/entry/warnings.ts";
import { isSkippedSource, type ImportItem, type SkippedSource } from "#core/import/folder.node.ts";
import { decodeEntryPublished, decodeEntryRevised, entryEvents, registryAt, type PublishedEvent } from "../chain/registry.ts";
import type { ChainContext } from "../cli/context.ts";
import { isUnreachable } from "../cli/context.ts";
import { CliError, EXIT_CODES, type ExitCode } from "../cli/errors.ts";
import { mintedRecord, packedRecords, revisedRecord, type Journal } from "./journal.ts";
import { terminalLine } from "../cli/terminal-text.ts";
import { ProgressBar, type ProgressState } from "../cli/progress.ts";

export interface PublishSummary {
  found: number;
  published: number;
  /** Notes whose token got a new version (a dry run: that would get one). */
  revised: number;
  /** Notes whose content is published already (unchanged since their latest version). */
  alreadyPublished: number;
  /** Dry run with the chain reachable: entries this author has not published yet. */
  new?: number;
  failed: number;
  warnings: number;
  /** Files (or parts of a log) not imported: repository documents, dot-folders, empty, binary, invalid UTF-8, no title. */
  skipped: number;
  gasUsed: string;
  seconds: number;
  /** Where the time went: packing (CPU), pinning (IPFS RPC), minting (chain), in seconds. */
  stages: { pack: number; pin: number; mint: number };
}

export interface PublishOptions {
  journal: Journal;
  /** Optional for a dry run, which then only reads the registry (tokensOf) to say what is new. */
  chain?: ChainContext;
  author?: Wallet;
  ipfs?: KuboRPCClient;
  dryRun?: boolean;
  /** Entries per publishBatch transaction (default 100). */
  batchSize?: number;
  /** How many items the source yields (skips included), for the progress bar. */
  total?: number;
  /** Where dry-run lines go (default stdout). */
  print?: (line: string) => void;
}

export interface PublishResult {
  summary: PublishSummary;
  /** The most specific exit code among the failures (0 when none). */
  exitCode: ExitCode;
}

/** A packed entry and where its note came from (`file:line`). */
interface SourcedEntry {
  source: string;
  packed: PackedEntry;
  /** keccak256 of the note's identity (core/entry/note-identity.ts): how its token is found again. */
  noteKey: Hex;
  /** The imported note, its images and the author it was packed for: to pack it again as a revision. */
  origin: { note: Note; images: Map<string, Uint8Array>; author?: string };
}

/** The author's token of a note and its latest two versions' digests. */
export interface NoteToken {
  tokenId: bigint;
  /** The latest version's digest. */
  latest: Hex;
  /** The digest of the version before the latest (the `previous` the latest names), if any. */
  beforeLatest?: Hex;
}

/** An entry that was not published, why, and the exit code that says so. */
export interface Failure {
  source: string;
  message: string;
  exitCode: ExitCode;
}

/** What the pipeline needs of the chain: the registry as this author (ethers in the CLI, a fake in tests). */
export interface PublishingChain {
  readonly deployment: Deployment;
  readonly author: string;
  /** The author's token of each digest (0n where none), in one call. */
  tokensOf(digests: string[]): Promise<bigint[]>;
  /**
   * Mints `digests` (with their note keys) in one publishBatch transaction and waits for it;
   * `onSent` runs once it is sent, before it is mined.
   * @throws AlreadyPublishedError when the registry refuses the batch because one is minted already
   * @throws CliError (chainUnreachable, insufficientFunds) when the user must act
   */
  publishBatch(digests: string[], noteKeys: Hex[], onSent: (txHash: string) => Promise<void>): Promise<{ events: PublishedEvent[]; gasUsed: bigint }>;
  /** The author's token of each note key (undefined where none), with its latest versions, in order. */
  notesOf(noteKeys: Hex[]): Promise<(NoteToken | undefined)[]>;
  /**
   * Publishes version `digest` of `tokenId` in one revise transaction and waits for it.
   * @throws AlreadyPublishedError when the registry refuses it as the token's latest version already
   */
  revise(tokenId: bigint, digest: string, onSent: (txHash: string) => Promise<void>): Promise<{ event: EntryRevisedEvent; gasUsed: bigint }>;
}

/** What the pipeline needs of IPFS (the Kubo RPC API in the CLI, a fake in tests). */
export interface PublishingIpfs {
  /**
   * Adds entry directories in one request, pinned, and reports in order the root CID the node
   * computed for each (core/entry/pin.ts: `mismatch` set when it is not the local one).
   * @throws CliError (ipfsUnreachable) when the IPFS RPC API stops answering
   */
  pinEntries(entries: PackedEntry[]): Promise<PinnedEntry[]>;
}

/** The registry reverted a batch because an entry in it is minted already (TILEntryAlreadyPublished / TILDuplicateInBatch). */
export class AlreadyPublishedError extends Error {
  static name = "AlreadyPublishedError";
  constructor(options?: { cause?: unknown }) {
    super("The registry refused the batch: an entry in it is published already.", options);
    this.name = "AlreadyPublishedError";
  }
}

// ---------------------------------------------------------------------------------------------
// pack

/** What packing one import item came to. */
export type PackOutcome =
  /** A source the importer did not turn into a note (with its warning, unless routine). */
  | { kind: "skipped"; skip: SkippedSource }
  /** A note that cannot be an entry (too large, no title...). */
  | { kind: "failed"; failure: Failure; ms: number }
  /** A note with the same content as an earlier one of this run: published once (a duplicate-content warning says so). */
  | { kind: "duplicate"; source: string; warnings: Warning[]; ms: number }
  | { kind: "packed"; entry: SourcedEntry; warnings: Warning[]; ms: number };

/**
 * Pack stage: each import item in turn, packed as an entry with its warnings (the importer's and
 * packEntry's, each located), streaming.
 * @throws what packEntry throws that is not an EntryError (a bug, not a bad note)
 */
export async function* packNotes(items: AsyncIterable<ImportItem>, options: { author?: string } = {}): AsyncGenerator<PackOutcome> {
  const firstSource = new Map<string, string>();
  const firstOfNote = new Map<string, string>();
  for await (const item of items) {
    if (isSkippedSource(item)) {
      yield { kind: "skipped", skip: item };
      continue;
    }
    const source = `${item.sourcePath}:${item.sourceLine}`;
    const started = performance.now();
    let packed: PackedEntry;
    try {
      packed = await packEntry(item.note, { images: item.images, ...(options.author !== undefined ? { author: options.author } : {}) });
    } catch (error) {
      if (!(error instanceof EntryError)) throw error;
      const tooLarge = error instanceof NoteTooLargeError || error instanceof EntryTooLargeError;
      yield {
        kind: "failed",
        failure: { source, message: error.message, exitCode: tooLarge ? EXIT_CODES.noteTooLarge : EXIT_CODES.entriesFailed },
        ms: performance.now() - started,
      };
      continue;
    }
    const ms = performance.now() - started;
    const warnings = [...item.warnings, ...packWarningsNotGiven(item.warnings, packed.warnings).map((w) => locateWarning(w, item.sourcePath, item.sourceLine))];
    const earlier = firstSource.get(packed.digest);
    if (earlier !== undefined) {
      const duplicate: Warning = {
        code: "duplicate-content",
        file: item.sourcePath,
        line: item.sourceLine,
        sameAs: earlier,
        message: `same content as ${earlier}; published once.`,
      };
      yield { kind: "duplicate", source, warnings: [...warnings, duplicate], ms };
      continue;
    }
    firstSource.set(packed.digest, source);
    // Two notes of one import with one identity would take turns revising one token: the later
    // ones are published without a note key (a re-import leaves them as they are), with a warning.
    const identity = packed.note.id ?? noteIdentity(packed.note);
    let key = noteKeyOf(identity);
    const sameNote = firstOfNote.get(key);
    if (sameNote === undefined) firstOfNote.set(key, source);
    else {
      key = ZERO_KEY;
      warnings.push({
        code: "duplicate-identity",
        file: item.sourcePath,
        line: item.sourceLine,
        sameAs: sameNote,
        message: `same note identity as ${sameNote} ("${identity}"): published without one, so a re-import cannot revise it; give each note its own front-matter id.`,
      });
    }
    const origin = { note: item.note, images: item.images, ...(options.author !== undefined ? { author: options.author } : {}) };
    yield { kind: "packed", entry: { source, packed, noteKey: key, origin }, warnings, ms };
  }
}

/** packEntry's warnings but those the importer gave already: an image it could not read is "not supplied" to packEntry. */
function packWarningsNotGiven(imported: readonly Warning[], packed: readonly Warning[]): Warning[] {
  const warnedImages = new Set(imported.flatMap((w) => (w.image === undefined ? [] : [w.image])));
  return packed.filter((w) => !(w.code === "image-missing" && w.image !== undefined && warnedImages.has(w.image)));
}

// ---------------------------------------------------------------------------------------------
// check

/** Check stage: whether this author has minted each entry already, in the entries' order. */
async function checkPublished(chain: PublishingChain, entries: readonly SourcedEntry[]): Promise<boolean[]> {
  const tokens = await chain.tokensOf(entries.map(({ packed }) => packed.digest));
  return tokens.map((token) => token !== 0n);
}

/** What to do with one entry: publish it, nothing (its content is published), or revise the note's token. */
type Decision =
  | { kind: "new"; entry: SourcedEntry }
  | { kind: "unchanged"; entry: SourcedEntry }
  /** The content is published, as another note's entry (or by an older run without note keys). */
  | { kind: "published"; entry: SourcedEntry }
  /** `entry` is packed again as the next version of `tokenId` (naming the latest as `previous`). */
  | { kind: "revise"; entry: SourcedEntry; tokenId: bigint };

/** How many notes of a chunk are compared with their token's latest version at once. */
const REPACKS_AT_ONCE = 4;

/**
 * Check stage: each entry's fate. A note the author has a token for (by its noteKey) is unchanged
 * when packing it as its latest version was packed (naming the same `previous`) gives the latest
 * digest; otherwise it is packed again naming the latest version and revises the token. A note
 * without a token is new unless the author published this very content already.
 */
async function checkNotes(chain: PublishingChain, entries: readonly SourcedEntry[]): Promise<Decision[]> {
  const [notes, published] = await Promise.all([chain.notesOf(entries.map((e) => e.noteKey)), checkPublished(chain, entries)]);
  const decisions: Decision[] = new Array(entries.length);
  await forEachConcurrently([...entries.keys()], REPACKS_AT_ONCE, async (i) => {
    const entry = entries[i];
    const token = notes[i];
    if (token === undefined) {
      decisions[i] = { kind: published[i] ? "published" : "new", entry };
      return;
    }
    const { unchanged, packed } = await packRevision(entry.origin, token, token.beforeLatest === undefined ? entry.packed : undefined);
    decisions[i] = unchanged ? { kind: "unchanged", entry: { ...entry, packed } } : { kind: "revise", entry: { ...entry, packed }, tokenId: token.tokenId };
  });
  return decisions;
}

/**
 * A note against its token's latest version: `unchanged` when packing it as the latest was packed
 * (naming the same `previous`) gives the latest digest; otherwise `packed` is the next version,
 * naming the latest as `previous`. `asFirst`: the note already packed with no `previous`, if it is.
 */
export async function packRevision(
  origin: SourcedEntry["origin"],
  token: Pick<NoteToken, "latest" | "beforeLatest">,
  asFirst?: PackedEntry,
): Promise<{ unchanged: boolean; packed: PackedEntry }> {
  const pack = (previous?: Hex) =>
    packEntry(origin.note, {
      images: origin.images,
      ...(previous !== undefined ? { previous: digestToCid(previous) } : {}),
      ...(origin.author !== undefined ? { author: origin.author } : {}),
    });
  const asLatest = token.beforeLatest === undefined ? (asFirst ?? (await pack())) : await pack(token.beforeLatest);
  if (asLatest.digest === token.latest.toLowerCase()) return { unchanged: true, packed: asLatest };
  return { unchanged: false, packed: await pack(token.latest) };
}

// ---------------------------------------------------------------------------------------------
// pin

/**
 * Entries per `add` request, and requests under way at once. One request adds many entry
 * directories side by side (`<cid>/index.md`, ...): Kubo, like the embedded node, pins each
 * top-level directory, whose CID does not depend on its name.
 */
const ENTRIES_PER_ADD = 25;
const ADDS_AT_ONCE = 3;

interface PinResult {
  /** Entries the node holds under their own CID: pinned now, or by an earlier run (journal). */
  held: SourcedEntry[];
  /** CIDs pinned by this call and confirmed (the journal's `pinned` records). */
  pinned: string[];
  /** Entries the node pinned under another CID than the local one: not minted. */
  failures: Failure[];
  ms: number;
}

/**
 * Pin stage: pins what the journal does not record as pinned and checks that the node reports
 * each entry under its locally computed CID.
 * @throws CliError (ipfsUnreachable) when the IPFS RPC API stops answering
 */
async function pinChunk(ipfs: PublishingIpfs, journal: Pick<Journal, "isPinned">, entries: readonly SourcedEntry[]): Promise<PinResult> {
  const started = performance.now();
  const toPin = entries.filter(({ packed }) => !journal.isPinned(packed.cid)).map(({ packed }) => packed);
  const groups: PackedEntry[][] = [];
  for (let i = 0; i < toPin.length; i += ENTRIES_PER_ADD) groups.push(toPin.slice(i, i + ENTRIES_PER_ADD));
  const reported = new Map<string, PinnedEntry>();
  await forEachConcurrently(groups, ADDS_AT_ONCE, async (group) => {
    for (const pinned of await ipfs.pinEntries(group)) reported.set(pinned.cid, pinned);
  });
  const held: SourcedEntry[] = [];
  const failures: Failure[] = [];
  for (const entry of entries) {
    const mismatch = reported.get(entry.packed.cid)?.mismatch;
    if (!mismatch) held.push(entry);
    else {
      failures.push({
        source: entry.source,
        message: `the IPFS node pinned it as ${mismatch.actual ?? "nothing"}, not as its locally computed CID ${mismatch.expected}; not minted. Is the node Kubo-compatible?`,
        exitCode: EXIT_CODES.entriesFailed,
      });
    }
  }
  const pinned = [...reported.values()].filter((p) => !p.mismatch).map((p) => p.cid);
  return { held, pinned, failures, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// mint

interface MintResult {
  published: number;
  /** Minted in the meantime by someone else (an earlier run's pending transaction). */
  alreadyPublished: number;
  failures: Failure[];
  gasUsed: bigint;
  ms: number;
}

/**
 * Mint stage: one publishBatch transaction for `entries`, journaled when sent and when mined. When
 * the registry refuses the batch because some entry is minted already, the others are minted.
 */
async function mintChunk(chain: PublishingChain, journal: Pick<Journal, "append">, entries: readonly SourcedEntry[]): Promise<MintResult> {
  const started = performance.now();
  const digests = entries.map(({ packed }) => packed.digest);
  const { deployment, author } = chain;
  try {
    const { events, gasUsed } = await chain.publishBatch(
      digests,
      entries.map((e) => e.noteKey),
      (txHash) => journal.append({ event: "mint-sent", chainId: deployment.chainId, contract: deployment.address, author, digests, txHash }),
    );
    await journal.append(...events.map((event) => mintedRecord(deployment, event)));
    return { published: events.length, alreadyPublished: 0, failures: [], gasUsed, ms: performance.now() - started };
  } catch (error) {
    if (!(error instanceof AlreadyPublishedError)) throw error;
    const minted = await checkPublished(chain, entries);
    const remaining = entries.filter((_, i) => !minted[i]);
    const ms = performance.now() - started;
    if (remaining.length === entries.length) {
      // Refused as published, yet no token: nothing is lost, a run later asks again.
      const message = "the registry refused its batch as already published, yet has no token for it; run the same command again";
      return {
        published: 0,
        alreadyPublished: 0,
        failures: entries.map(({ source }) => ({ source, message, exitCode: EXIT_CODES.entriesFailed })),
        gasUsed: 0n,
        ms,
      };
    }
    const rest = remaining.length > 0 ? await mintChunk(chain, journal, remaining) : { published: 0, alreadyPublished: 0, failures: [], gasUsed: 0n, ms: 0 };
    return { ...rest, alreadyPublished: rest.alreadyPublished + entries.length - remaining.length, ms: ms + rest.ms };
  }
}

interface ReviseResult {
  revised: number;
  /** Revised to this content in the meantime (an earlier run's pending transaction). */
  alreadyPublished: number;
  gasUsed: bigint;
  ms: number;
}

/** Revise stage: one revise transaction per revision, in order, journaled when sent and when mined. */
async function reviseChunk(
  chain: PublishingChain,
  journal: Pick<Journal, "append">,
  revisions: ReadonlyArray<{ entry: SourcedEntry; tokenId: bigint }>,
): Promise<ReviseResult> {
  const started = performance.now();
  const { deployment, author } = chain;
  const result: ReviseResult = { revised: 0, alreadyPublished: 0, gasUsed: 0n, ms: 0 };
  for (const { entry, tokenId } of revisions) {
    const digest = entry.packed.digest;
    try {
      const { event, gasUsed } = await chain.revise(tokenId, digest, (txHash) =>
        journal.append({ event: "mint-sent", chainId: deployment.chainId, contract: deployment.address, author, digests: [digest], txHash }),
      );
      await journal.append(revisedRecord(deployment, author, event));
      result.revised += 1;
      result.gasUsed += gasUsed;
    } catch (error) {
      if (!(error instanceof AlreadyPublishedError)) throw error;
      result.alreadyPublished += 1;
    }
  }
  result.ms = performance.now() - started;
  return result;
}

// ---------------------------------------------------------------------------------------------
// summary

/** The pack stage's outcomes, counted (no entry bytes kept). */
export interface PackTally {
  found: number;
  skipped: number;
  warnings: number;
  duplicates: number;
  failures: Failure[];
  ms: number;
}

export const NO_PACK_OUTCOMES: PackTally = { found: 0, skipped: 0, warnings: 0, duplicates: 0, failures: [], ms: 0 };

/** The tally with one more pack outcome. */
export function tallyPack(tally: PackTally, outcome: PackOutcome): PackTally {
  switch (outcome.kind) {
    case "skipped":
      return { ...tally, skipped: tally.skipped + 1, warnings: tally.warnings + (outcome.skip.warning ? 1 : 0) };
    case "failed":
      return { ...tally, found: tally.found + 1, failures: [...tally.failures, outcome.failure], ms: tally.ms + outcome.ms };
    case "duplicate":
      return {
        ...tally,
        found: tally.found + 1,
        duplicates: tally.duplicates + 1,
        warnings: tally.warnings + outcome.warnings.length,
        ms: tally.ms + outcome.ms,
      };
    case "packed":
      return { ...tally, found: tally.found + 1, warnings: tally.warnings + outcome.warnings.length, ms: tally.ms + outcome.ms };
  }
}

/** What one chunk came to after check, pin and mint (or, in a dry run, check alone). */
export interface ChunkResult {
  entries: number;
  published: number;
  /** Revisions published (a dry run: that a run would publish). */
  revised?: number;
  alreadyPublished: number;
  /** Dry run: entries this author has not published; undefined when the chunk was not checked. */
  new?: number;
  failures: Failure[];
  gasUsed: bigint;
  pinMs: number;
  mintMs: number;
  /** Dry run: the registry did not answer (this chunk and the later ones are not checked). */
  unchecked?: string;
}

/**
 * The summary of a run from its stages' results.
 * @param checked a dry run asked the registry (and it answered every time): the summary counts `new`
 */
export function summarize(pack: PackTally, chunks: readonly ChunkResult[], options: { checked: boolean; elapsedMs: number }): PublishSummary {
  const sum = (pick: (chunk: ChunkResult) => number) => chunks.reduce((total, chunk) => total + pick(chunk), 0);
  return {
    found: pack.found,
    published: sum((c) => c.published),
    revised: sum((c) => c.revised ?? 0),
    alreadyPublished: pack.duplicates + sum((c) => c.alreadyPublished),
    ...(options.checked ? { new: sum((c) => c.new ?? 0) } : {}),
    failed: pack.failures.length + sum((c) => c.failures.length),
    warnings: pack.warnings,
    skipped: pack.skipped,
    gasUsed: gasOf(chunks).toString(),
    seconds: seconds(options.elapsedMs),
    stages: { pack: seconds(pack.ms), pin: seconds(sum((c) => c.pinMs)), mint: seconds(sum((c) => c.mintMs)) },
  };
}

/** Gas of the chunks' transactions: what the summary and the progress bar show. */
function gasOf(chunks: readonly ChunkResult[]): bigint {
  return chunks.reduce((total, chunk) => total + chunk.gasUsed, 0n);
}

/** The most specific exit code among the failures: a code of its own wins over entriesFailed; 0 when none. */
export function exitCodeOf(failures: readonly Failure[]): ExitCode {
  return failures.find((f) => f.exitCode !== EXIT_CODES.entriesFailed)?.exitCode ?? (failures.length > 0 ? EXIT_CODES.entriesFailed : EXIT_CODES.ok);
}

// ---------------------------------------------------------------------------------------------
// the run

/** The parts a run works with; {@link publishNotes} makes them from the CLI's connections. */
export interface PipelineParts {
  journal: Journal;
  /** Required unless dryRun; in a dry run, the registry asked what is new (none: not checked). */
  chain?: PublishingChain;
  /** Required unless dryRun. */
  ipfs?: PublishingIpfs;
  dryRun: boolean;
  batchSize: number;
  total?: number;
  /** The publishing account: named in each entry (format v2). Unknown in a dry run without a chain. */
  author?: string;
  /** Dry-run lines. */
  print: (line: string) => void;
  progress: { update(state: ProgressState): void; log(message: string): void; finish(): void };
}

export async function publishNotes(notes: AsyncIterable<ImportItem>, options: PublishOptions): Promise<PublishResult> {
  const { journal, chain, author, ipfs, dryRun = false, batchSize = 100 } = options;
  if (!dryRun && (!chain || !author || !ipfs)) throw new Error("publishNotes needs chain, author and ipfs unless dryRun is set.");
  const progress = new ProgressBar(dryRun ? "packing" : "publishing");
  try {
    return await runPipeline(notes, {
      journal,
      chain: chain && author ? ethersRegistry(chain, author) : undefined,
      author: author?.address,
      ipfs: ipfs ? kuboPinning(ipfs) : undefined,
      dryRun,
      batchSize,
      total: options.total,
      print: options.print ?? ((line: string) => console.log(line)),
      progress,
    });
  } finally {
    progress.finish();
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A stage's promise as a result: its value, or the error it failed with (thrown once the run has settled). */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A chunk under way: its pin (and check) done, then its mint. */
interface ChunkInFlight {
  /** Settles without the pinned entries: a run keeps every chunk's record, never its bytes. */
  pinned: Promise<Settled<unknown>>;
  done: Promise<Settled<ChunkResult>>;
}

const SETTLED: Promise<Settled<unknown>> = Promise.resolve({ ok: true, value: undefined });

/** A chunk's result, also when its own bookkeeping threw. */
function settledChunk(work: Promise<Settled<ChunkResult>>): Promise<Settled<ChunkResult>> {
  return settle(work).then((result) => (result.ok ? result.value : result));
}

/**
 * Runs the stages over `notes` (see the module comment) and builds the summary from their results.
 * @throws the first stage error (CliError with its exit code), after the work under way has settled
 */
export async function runPipeline(notes: AsyncIterable<ImportItem>, parts: PipelineParts): Promise<PublishResult> {
  const started = performance.now();
  const { journal, chain, ipfs, dryRun, batchSize, progress } = parts;
  if (!dryRun && (!chain || !ipfs)) throw new Error("runPipeline needs chain and ipfs unless dryRun is set.");
  let pack = NO_PACK_OUTCOMES;
  const chunks: ChunkResult[] = [];
  const inFlight: ChunkInFlight[] = [];

  const showProgress = (current?: string) => {
    const done = pack.skipped + pack.failures.length + pack.duplicates + chunks.reduce((n, c) => n + c.entries, 0);
    progress.update({ done, total: parts.total, current, ...(dryRun ? {} : { gasUsed: gasOf(chunks) }) });
  };
  const recordChunk = (result: Settled<ChunkResult>, entries: readonly SourcedEntry[]): Settled<ChunkResult> => {
    if (!result.ok) return result;
    chunks.push(result.value);
    for (const failure of result.value.failures) progress.log(`failed: ${failure.source}: ${failure.message}`);
    if (result.value.unchecked !== undefined) {
      progress.log(`chain not reachable: ${result.value.unchecked}; the remaining entries are not checked (new / already published)`);
    }
    showProgress(entries.at(-1)?.packed.note.title);
    return result;
  };

  /** Starts a chunk: check and pin now; mint once the chunk before it is minted. */
  const startChunk = (entries: SourcedEntry[]): ChunkInFlight => {
    const before = inFlight.at(-1)?.done ?? SETTLED;
    if (dryRun) {
      // Checked one chunk after the other: once the registry does not answer, the rest is not asked.
      const done = settledChunk(
        before.then(async () =>
          recordChunk(await settle(dryRunChunk(entries, chain && chunks.every((c) => c.unchecked === undefined) ? chain : undefined)), entries),
        ),
      );
      return { pinned: done, done };
    }
    const pinned = settle(
      (async () => {
        const decisions = await checkNotes(chain!, entries);
        const toPin = decisions.map((d) => d.entry);
        await journal.append(...packedRecords(toPin));
        const pin = await pinChunk(ipfs!, journal, toPin);
        await journal.append(...pin.pinned.map((cid) => ({ event: "pinned" as const, cid })));
        return { decisions, pin };
      })(),
    );
    const done = settledChunk(
      (async (): Promise<Settled<ChunkResult>> => {
        const checkedAndPinned = await pinned;
        const previous = await before;
        if (!checkedAndPinned.ok) return checkedAndPinned;
        if (!previous.ok) return previous; // an earlier chunk failed: this one is not minted
        const { decisions, pin } = checkedAndPinned.value;
        const held = new Set(pin.held);
        const toMint = decisions.filter((d) => d.kind === "new" && held.has(d.entry)).map((d) => d.entry);
        const toRevise = decisions.flatMap((d) => (d.kind === "revise" && held.has(d.entry) ? [{ entry: d.entry, tokenId: d.tokenId }] : []));
        const unchanged = decisions.filter((d) => (d.kind === "unchanged" || d.kind === "published") && held.has(d.entry)).length;
        const mint = await settle(toMint.length > 0 ? mintChunk(chain!, journal, toMint) : Promise.resolve(undefined));
        if (!mint.ok) return mint;
        const revise = await settle(toRevise.length > 0 ? reviseChunk(chain!, journal, toRevise) : Promise.resolve(undefined));
        if (!revise.ok) return revise;
        const result: ChunkResult = {
          entries: entries.length,
          published: mint.value?.published ?? 0,
          revised: revise.value?.revised ?? 0,
          alreadyPublished: unchanged + (mint.value?.alreadyPublished ?? 0) + (revise.value?.alreadyPublished ?? 0),
          failures: [...pin.failures, ...(mint.value?.failures ?? [])],
          gasUsed: (mint.value?.gasUsed ?? 0n) + (revise.value?.gasUsed ?? 0n),
          pinMs: pin.ms,
          mintMs: (mint.value?.ms ?? 0) + (revise.value?.ms ?? 0),
        };
        return recordChunk({ ok: true, value: result }, entries);
      })(),
    );
    return { pinned: pinned.then((result) => (result.ok ? { ok: true as const, value: undefined } : result)), done };
  };

  /** Waits until a new chunk may start (at most one chunk waits to be pinned); false when a stage failed. */
  const mayStartChunk = async (): Promise<boolean> => {
    const results = await Promise.all([inFlight.at(-1)?.pinned ?? SETTLED, inFlight.at(-2)?.done ?? SETTLED]);
    return results.every((r) => r.ok);
  };

  let failure: { error: unknown } | undefined;
  try {
    let chunk: SourcedEntry[] = [];
    for await (const outcome of packNotes(notes, { author: parts.author ?? chain?.author })) {
      pack = tallyPack(pack, outcome);
      reportPacked(outcome, progress);
      if (outcome.kind !== "packed") {
        showProgress();
        continue;
      }
      chunk.push(outcome.entry);
      if (chunk.length >= batchSize) {
        if (!(await mayStartChunk())) break;
        inFlight.push(startChunk(chunk));
        chunk = [];
      }
    }
    if (chunk.length > 0 && (await mayStartChunk())) inFlight.push(startChunk(chunk));
  } catch (error) {
    failure = { error };
  }
  // Let everything under way settle (what it minted is journaled and counted), then report the first error.
  const settled = await Promise.all(inFlight.flatMap((c) => [c.pinned, c.done]));
  const firstError = failure ?? settled.find((r): r is { ok: false; error: unknown } => !r.ok);
  if (firstError) throw firstError.error;

  const failures = [...pack.failures, ...chunks.flatMap((c) => c.failures)];
  return {
    summary: summarize(pack, chunks, {
      checked: dryRun && chain !== undefined && chunks.every((c) => c.unchecked === undefined),
      elapsedMs: performance.now() - started,
    }),
    exitCode: exitCodeOf(failures),
  };

  /** Dry run: ask the registry (when there is one and it answered so far) and print each entry's line. */
  async function dryRunChunk(entries: SourcedEntry[], registry: PublishingChain | undefined): Promise<ChunkResult> {
    let decisions: Decision[] | undefined;
    let unchecked: string | undefined;
    if (registry) {
      try {
        decisions = await checkNotes(registry, entries);
      } catch (error) {
        unchecked = (error as Error).message.split("\n")[0];
      }
    }
    const statusOf: Record<Decision["kind"], string> = { new: "new", revise: "revised", unchanged: "unchanged", published: "already published" };
    for (const [i, entry] of entries.entries()) {
      const status = decisions === undefined ? "(not checked)" : statusOf[decisions[i].kind];
      // a revision is packed naming the version before it: its CID is the one a real run publishes
      const packed = decisions?.[i].entry.packed ?? entry.packed;
      // Title and tags come from the files (maybe a cloned stranger's repository): shown, never applied.
      parts.print(
        [
          packed.cid,
          packed.note.date ?? "(no date)",
          packed.note.tags.length ? terminalLine(packed.note.tags.join(",")) : "(no tags)",
          terminalLine(packed.note.title),
          status,
        ].join("\t"),
      );
    }
    const count = (kind: Decision["kind"]) => decisions?.filter((d) => d.kind === kind).length ?? 0;
    return {
      entries: entries.length,
      published: 0,
      revised: count("revise"),
      alreadyPublished: count("unchanged") + count("published"),
      ...(decisions ? { new: count("new") } : {}),
      failures: [],
      gasUsed: 0n,
      pinMs: 0,
      mintMs: 0,
      ...(unchecked !== undefined ? { unchecked } : {}),
    };
  }
}

/** Prints what packing noticed: `skipped: file:line: reason`, `failed: ...`, `warning: file:line: message`. */
function reportPacked(outcome: PackOutcome, progress: PipelineParts["progress"]): void {
  switch (outcome.kind) {
    case "skipped":
      if (outcome.skip.warning) progress.log(`warning: ${formatWarning(outcome.skip.warning)}`);
      else progress.log(`skipped: ${outcome.skip.sourcePath}:${outcome.skip.sourceLine}: ${outcome.skip.message}`);
      return;
    case "failed":
      progress.log(`failed: ${outcome.failure.source}: ${outcome.failure.message}`);
      return;
    default:
      for (const warning of outcome.warnings) progress.log(`warning: ${formatWarning(warning)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// the CLI's chain and IPFS

/** The registry through ethers, as `author`. */
function ethersRegistry(chain: ChainContext, author: Wallet): PublishingChain {
  const registry = registryAt(chain.deployment.address, author);
  const authorAddress = author.address;
  const events = entryEvents(chain.provider, chain.deployment);
  const tokenOfNote = new Map<string, bigint>();
  let readTo = BigInt(chain.deployment.deployBlock) - 1n;
  return {
    deployment: chain.deployment,
    author: authorAddress,
    tokensOf: (digests) => tokensOf(registry, authorAddress, digests),
    notesOf: (noteKeys) => notesOf(noteKeys),
    async revise(tokenId, digest, onSent) {
      let receipt: TransactionReceipt | null;
      try {
        const tx = await registry.getFunction("revise")(tokenId, digest);
        await onSent(tx.hash);
        receipt = await tx.wait();
      } catch (error) {
        if (isContractError(error, "TILUnchangedDigest")) throw new AlreadyPublishedError({ cause: error });
        throw chainError(error, authorAddress, "revising");
      }
      const [event] = decodeEntryRevised(receipt!.logs);
      return { event, gasUsed: receipt!.gasUsed };
    },
    async publishBatch(digests, noteKeys, onSent) {
      let receipt: TransactionReceipt | null;
      try {
        const publishBatch = registry.getFunction("publishBatch");
        const gas = await publishBatch.estimateGas(digests, noteKeys);
        const fees = await chain.provider.getFeeData();
        const cost = gas * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n);
        const balance = await chain.provider.getBalance(authorAddress);
        if (balance < cost) {
          throw new CliError(
            EXIT_CODES.insufficientFunds,
            `${authorAddress} has ${formatEth(balance)} ETH but publishing ${digests.length} entries needs about ${formatEth(cost)} ETH of gas. Fund the account (or publish fewer entries) and run the same command again.`,
          );
        }
        const tx = await publishBatch(digests, noteKeys, { gasLimit: (gas * 12n) / 10n });
        await onSent(tx.hash);
        receipt = await tx.wait();
      } catch (error) {
        // Someone (e.g. an earlier run whose transaction was still pending) minted one of these in the meantime.
        if (isContractError(error, "TILEntryAlreadyPublished") || isContractError(error, "TILDuplicateInBatch"))
          throw new AlreadyPublishedError({ cause: error });
        throw chainError(error, authorAddress, "minting");
      }
      return { events: decodeEntryPublished(receipt!.logs), gasUsed: receipt!.gasUsed };
    },
  };

  /**
   * The author's token of each note key. The author's EntryPublished events are read once per run
   * (then only the blocks after), and the registry asked for the latest two versions of each token found.
   */
  async function notesOf(noteKeys: Hex[]): Promise<(NoteToken | undefined)[]> {
    try {
      const latest = await events.latestBlock();
      if (latest > readTo) {
        for (const e of await events.read(readTo + 1n, latest, { author: authorAddress as Hex })) {
          const key = e.noteKey?.toLowerCase();
          if (key !== undefined && key !== ZERO_KEY && !tokenOfNote.has(key)) tokenOfNote.set(key, e.tokenId);
        }
        readTo = latest;
      }
      return await Promise.all(
        noteKeys.map(async (key): Promise<NoteToken | undefined> => {
          const tokenId = tokenOfNote.get(key.toLowerCase());
          if (tokenId === undefined) return undefined;
          const { digest, revisionCount } = (await registry.getFunction("entry")(tokenId)) as { digest: Hex; revisionCount: bigint };
          if (revisionCount === 0n) return { tokenId, latest: digest };
          return { tokenId, latest: digest, beforeLatest: (await registry.getFunction("digestAt")(tokenId, revisionCount - 1n)) as Hex };
        }),
      );
    } catch (error) {
      throw chainError(error, authorAddress, "reading the registry");
    }
  }
}

/** A zero note key: an entry published without one. */
const ZERO_KEY: Hex = `0x${"0".repeat(64)}`;

/** An error of a transaction or a call as the CLI reports it: what the user can do, when they can do something. */
function chainError(error: unknown, author: string, doing: string): unknown {
  if (error instanceof CliError) return error;
  if ((error as { code?: string }).code === "INSUFFICIENT_FUNDS") {
    return new CliError(EXIT_CODES.insufficientFunds, `${author} cannot pay for the transaction ${doing}. Fund the account and run the same command again.`, {
      cause: error,
    });
  }
  if (isUnreachable(error)) {
    return new CliError(
      EXIT_CODES.chainUnreachable,
      `The chain RPC stopped answering while ${doing} (${(error as Error).message.split("\n")[0]}). Nothing is lost: run the same command again when it is back.`,
      { cause: error },
    );
  }
  return error;
}

/** Pinning through the Kubo RPC API, with each entry's CID checked (core/entry/pin.ts). */
function kuboPinning(ipfs: EntryPinClient): PublishingIpfs {
  return {
    async pinEntries(entries) {
      try {
        return await pinEntries(ipfs, entries);
      } catch (error) {
        if (isUnreachable(error)) {
          throw new CliError(
            EXIT_CODES.ipfsUnreachable,
            `The IPFS RPC API stopped answering while pinning (${(error as Error).message}). Nothing is lost: run the same command again when it is back.`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
}

/** The author's token of each digest (0 where none), in one call. */
async function tokensOf(registry: Contract, author: string, digests: string[]): Promise<bigint[]> {
  try {
    return [...((await registry.getFunction("tokensOf")(author, digests)) as bigint[])];
  } catch (error) {
    if (isUnreachable(error)) {
      throw new CliError(
        EXIT_CODES.chainUnreachable,
        `The chain RPC stopped answering (${(error as Error).message.split("\n")[0]}). Nothing is lost: run the same command again when it is back.`,
        { cause: error },
      );
    }
    throw error;
  }
}

function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(2));
}

function formatEth(wei: bigint): string {
  return (Number(wei) / 1e18).toFixed(6);
}
