/**
 * The publish pipeline behind `til publish` and `til import`: pack each note locally (its CID is
 * known before anything is sent), pin it through the Kubo RPC API (the node must return that same
 * CID), mint in batches, confirm, report.
 *
 * Never loses, never doubles: each step is written to the journal once done, and every run asks the
 * registry which entries this author already has (`tokenOf`), so running the same command again
 * after a crash, Ctrl-C or an outage continues where it stopped. Pinned content is not pinned again,
 * and the contract itself refuses a second token for the same author and CID.
 */
import type { Contract, TransactionReceipt, Wallet } from "ethers";
import type { KuboRPCClient } from "kubo-rpc-client";
import { packEntry, ENTRY_ADD_OPTIONS, EntryTooLargeError, NoteTooLargeError, EntryError, type PackedEntry } from "../../core/entry/index.ts";
import { isSkippedSource, type ImportItem } from "../../core/import/folder.node.ts";
import { isRoutineSkip } from "../../core/import/note-text.ts";
import { decodeEntryPublished, registryAt } from "../chain/registry.ts";
import type { ChainContext } from "./context.ts";
import { isUnreachable } from "./context.ts";
import { CliError, EXIT_CODES, type ExitCode } from "./errors.ts";
import { mintedRecord, type Journal } from "./journal.ts";
import { terminalLine } from "../cli/terminal-text.ts";
import { ProgressBar } from "./progress.ts";

export interface PublishSummary {
  found: number;
  published: number;
  alreadyPublished: number;
  /** Dry run with the chain reachable: entries this author has not published yet. */
  new?: number;
  /** Files (or parts of a log) not imported: repository documents, dot-folders, empty, binary, invalid UTF-8, no title. */
  skipped: number;
  failed: number;
  warnings: number;
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
  /** Expected number of entries, for the progress bar. */
  total?: number;
  /** Where dry-run lines and messages go (default stdout / the progress bar). */
  print?: (line: string) => void;
}

export interface PublishResult {
  summary: PublishSummary;
  /** The most specific exit code among the failures (0 when none). */
  exitCode: ExitCode;
}

interface Item {
  source: string;
  packed: PackedEntry;
}


export async function publishNotes(notes: AsyncIterable<ImportItem>, options: PublishOptions): Promise<PublishResult> {
  const started = performance.now();
  const { journal, chain, author, ipfs, dryRun = false, batchSize = 100 } = options;
  if (!dryRun && (!chain || !author || !ipfs)) throw new Error("publishNotes needs chain, author and ipfs unless dryRun is set.");
  const registry = chain && author ? registryAt(chain.deployment.address, author) : undefined;
  const authorAddress = author?.address ?? "";
  const progress = new ProgressBar(dryRun ? "packing" : "publishing");
  const print = options.print ?? ((line: string) => console.log(line));
  const timings = { packMs: 0, pinMs: 0, mintMs: 0 };

  const summary: { found: number; published: number; alreadyPublished: number; new?: number; failed: number; warnings: number; skipped: number; gasUsed: bigint } = {
    found: 0,
    published: 0,
    alreadyPublished: 0,
    ...(dryRun && registry ? { new: 0 } : {}),
    failed: 0,
    warnings: 0,
    skipped: 0,
    gasUsed: 0n,
  };
  // A dry run asks the registry (read-only) which entries are new, while it answers.
  let checkChain = dryRun && registry !== undefined;
  let exitCode: ExitCode = EXIT_CODES.ok;
  const fail = (source: string, message: string, code: ExitCode = EXIT_CODES.entriesFailed) => {
    summary.failed += 1;
    progress.log(`failed: ${source}: ${message}`);
    if (exitCode === EXIT_CODES.ok || exitCode === EXIT_CODES.entriesFailed) exitCode = code;
  };
  const seenDigests = new Map<string, string>();
  let done = 0;

  const flush = async (chunk: Item[]) => {
    if (chunk.length === 0) return;
    if (dryRun) {
      let minted: bigint[] | undefined;
      if (checkChain) {
        try {
          minted = await tokensOf(registry!, authorAddress, chunk.map(({ packed }) => packed.digest));
        } catch (error) {
          checkChain = false;
          delete summary.new;
          progress.log(`chain not reachable: ${(error as Error).message.split("\n")[0]}; the remaining entries are not checked (new / already published)`);
        }
      }
      for (const [i, { packed }] of chunk.entries()) {
        const status = minted === undefined ? "(not checked)" : minted[i] === 0n ? "new" : "already published";
        if (minted !== undefined && minted[i] === 0n) summary.new = (summary.new ?? 0) + 1;
        else if (minted !== undefined) summary.alreadyPublished += 1;
        // Title and tags come from the files (maybe a cloned stranger's repository): shown, never applied.
        print([packed.cid, packed.note.date ?? "(no date)", packed.note.tags.length ? terminalLine(packed.note.tags.join(",")) : "(no tags)", terminalLine(packed.note.title), status].join("\t"));
      }
      done += chunk.length;
      progress.update({ done, total: options.total });
      return;
    }
    await journal.append(...chunk.map(({ source, packed }) => ({ event: "packed" as const, digest: packed.digest, cid: packed.cid, title: packed.note.title, source })));
    // Pin this chunk while the previous chunk's transaction is being mined; mint in order.
    const toMint = await pinAndCheck(chunk);
    await minting;
    // A chunk counts as done once its receipts are in, so the gas shown is the summary's gasUsed so far.
    minting = (toMint.length > 0 ? mint(toMint) : Promise.resolve()).then(() => {
      done += chunk.length;
      progress.update({ done, total: options.total, current: chunk.at(-1)!.packed.note.title, gasUsed: summary.gasUsed });
    });
    minting.catch(() => {}); // awaited (and its error thrown) at the next chunk or at the end
  };
  let minting: Promise<void> = Promise.resolve();

  /** Pins what is not pinned yet and returns the items this author has not minted. */
  const pinAndCheck = async (chunk: Item[]): Promise<Item[]> => {
    const minted = await tokensOf(registry!, authorAddress, chunk.map(({ packed }) => packed.digest));
    const pinStart = performance.now();
    const toPin = chunk.filter((item) => !journal.isPinned(item.packed.cid)).map((item) => item.packed);
    const groups: PackedEntry[][] = [];
    for (let i = 0; i < toPin.length; i += ENTRIES_PER_ADD) groups.push(toPin.slice(i, i + ENTRIES_PER_ADD));
    const pinnedAs = new Map<string, string | undefined>();
    await forEachConcurrently(groups, ADDS_AT_ONCE, async (group) => {
      for (const [cid, root] of await pinEntries(ipfs!, group)) pinnedAs.set(cid, root);
    });
    const ok = (item: Item) => !pinnedAs.has(item.packed.cid) || pinnedAs.get(item.packed.cid) === item.packed.cid;
    for (const item of chunk) {
      if (!ok(item)) {
        fail(item.source, `the IPFS node pinned it as ${pinnedAs.get(item.packed.cid) ?? "nothing"}, not as its locally computed CID ${item.packed.cid}; not minted. Is the node Kubo-compatible?`);
      }
    }
    await journal.append(...toPin.filter((p) => pinnedAs.get(p.cid) === p.cid).map((p) => ({ event: "pinned" as const, cid: p.cid })));
    timings.pinMs += performance.now() - pinStart;
    const ready: Item[] = [];
    for (const [i, item] of chunk.entries()) {
      if (!ok(item)) continue;
      if (minted[i] !== 0n) summary.alreadyPublished += 1;
      else ready.push(item);
    }
    return ready;
  };

  const mint = async (items: Item[]) => {
    const mintStart = performance.now();
    const digests = items.map((item) => item.packed.digest);
    let receipt: TransactionReceipt | null;
    try {
      const publishBatch = registry!.getFunction("publishBatch");
      const gas = await publishBatch.estimateGas(digests);
      const fees = await chain!.provider.getFeeData();
      const cost = gas * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n);
      const balance = await chain!.provider.getBalance(authorAddress);
      if (balance < cost) {
        throw new CliError(
          EXIT_CODES.insufficientFunds,
          `${authorAddress} has ${formatEth(balance)} ETH but publishing ${digests.length} entries needs about ${formatEth(cost)} ETH of gas. Fund the account (or publish fewer entries) and run the same command again.`,
        );
      }
      const tx = await publishBatch(digests, { gasLimit: (gas * 12n) / 10n });
      await journal.append({ event: "mint-sent", chainId: chain!.deployment.chainId, contract: chain!.deployment.address, author: authorAddress, digests, txHash: tx.hash });
      receipt = await tx.wait();
    } catch (error) {
      if (error instanceof CliError) throw error;
      if ((error as { code?: string }).code === "INSUFFICIENT_FUNDS") {
        throw new CliError(EXIT_CODES.insufficientFunds, `${authorAddress} cannot pay for the publishing transaction. Fund the account and run the same command again.`, { cause: error });
      }
      if (isUnreachable(error)) {
        throw new CliError(EXIT_CODES.chainUnreachable, `The chain RPC stopped answering while minting (${(error as Error).message.split("\n")[0]}). Nothing is lost: run the same command again when it is back.`, { cause: error });
      }
      // Someone (e.g. an earlier run whose transaction was still pending) minted one of these in the meantime.
      if (/TILEntryAlreadyPublished|TILDuplicateInBatch/.test(String((error as Error).message) + JSON.stringify((error as { revert?: unknown }).revert ?? ""))) {
        const still = await tokensOf(registry!, authorAddress, items.map(({ packed }) => packed.digest));
        const remaining = items.filter((_, i) => still[i] === 0n);
        summary.alreadyPublished += items.length - remaining.length;
        timings.mintMs += performance.now() - mintStart;
        if (remaining.length > 0 && remaining.length < items.length) await mint(remaining);
        return;
      }
      throw error;
    }
    const events = decodeEntryPublished(receipt!.logs);
    await journal.append(...events.map((e) => mintedRecord(chain!.deployment, e)));
    summary.published += events.length;
    summary.gasUsed += receipt!.gasUsed;
    timings.mintMs += performance.now() - mintStart;
  };

  let chunk: Item[] = [];
  let flushing: Promise<void> = Promise.resolve();
  try {
    for await (const imported of notes) {
      if (isSkippedSource(imported)) {
        summary.skipped += 1;
        const where = `${imported.sourcePath}:${imported.sourceLine}`;
        if (isRoutineSkip(imported.skipped)) progress.log(`skipped: ${where}: ${imported.message}`);
        else {
          summary.warnings += 1;
          progress.log(`warning: ${where}: skipped: ${imported.message}`);
        }
        continue;
      }
      summary.found += 1;
      const source = `${imported.sourcePath}:${imported.sourceLine}`;
      let packed: PackedEntry;
      const packStart = performance.now();
      try {
        packed = await packEntry(imported.note, { images: imported.images });
      } catch (error) {
        if (!(error instanceof EntryError)) throw error;
        const tooLarge = error instanceof NoteTooLargeError || error instanceof EntryTooLargeError;
        fail(source, error.message, tooLarge ? EXIT_CODES.noteTooLarge : EXIT_CODES.entriesFailed);
        continue;
      } finally {
        timings.packMs += performance.now() - packStart;
      }
      // The importer already warned about images it could not read; packEntry says the same again.
      const packWarnings = packed.warnings.filter((w) => {
        const image = /^Image "(.*)" is referenced but was not supplied/.exec(w)?.[1];
        return image === undefined || !imported.warnings.some((iw) => iw.includes(`"${image}"`));
      });
      for (const warning of [...imported.warnings, ...packWarnings]) {
        summary.warnings += 1;
        progress.log(`warning: ${source}: ${warning}`);
      }
      const earlier = seenDigests.get(packed.digest);
      if (earlier !== undefined) {
        summary.alreadyPublished += 1;
        summary.warnings += 1;
        progress.log(`warning: ${source}: same content as ${earlier}; published once.`);
        continue;
      }
      seenDigests.set(packed.digest, source);
      chunk.push({ source, packed });
      if (chunk.length >= batchSize) {
        // Pack the next chunk while this one is pinned; at most one chunk waits.
        await flushing;
        flushing = flush(chunk);
        flushing.catch(() => {}); // awaited (and its error thrown) before the next chunk or at the end
        chunk = [];
      }
    }
    await flushing;
    await flush(chunk);
    await minting;
  } finally {
    progress.finish();
  }
  return {
    summary: {
      ...summary,
      gasUsed: summary.gasUsed.toString(),
      seconds: seconds(performance.now() - started),
      stages: { pack: seconds(timings.packMs), pin: seconds(timings.pinMs), mint: seconds(timings.mintMs) },
    },
    exitCode,
  };
}

/**
 * Entries per `add` request, and requests under way at once. One request adds many entry
 * directories side by side (`<cid>/index.md`, ...): Kubo, like the embedded node, pins each
 * top-level directory, whose CID does not depend on its name.
 */
const ENTRIES_PER_ADD = 25;
const ADDS_AT_ONCE = 3;

async function forEachConcurrently<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Adds entry directories in one request, pinned, and returns the CID the node reports for each
 * (by the entry's locally computed CID; undefined when the node reported none).
 */
export async function pinEntries(ipfs: KuboRPCClient, entries: PackedEntry[]): Promise<Map<string, string | undefined>> {
  const roots = new Map<string, string | undefined>(entries.map((e) => [e.cid, undefined]));
  const files = entries.flatMap((e) => e.files.map((f) => ({ path: `${e.cid}/${f.path}`, content: f.content })));
  try {
    for await (const added of ipfs.addAll(files, ENTRY_ADD_OPTIONS)) {
      if (roots.has(added.path)) roots.set(added.path, added.cid.toString());
    }
  } catch (error) {
    if (isUnreachable(error)) {
      throw new CliError(EXIT_CODES.ipfsUnreachable, `The IPFS RPC API stopped answering while pinning (${(error as Error).message}). Nothing is lost: run the same command again when it is back.`, { cause: error });
    }
    throw error;
  }
  return roots;
}

/** The author's token of each digest (0 where none), in one call. */
async function tokensOf(registry: Contract, author: string, digests: string[]): Promise<bigint[]> {
  try {
    return [...((await registry.getFunction("tokensOf")(author, digests)) as bigint[])];
  } catch (error) {
    if (isUnreachable(error)) {
      throw new CliError(EXIT_CODES.chainUnreachable, `The chain RPC stopped answering (${(error as Error).message.split("\n")[0]}). Nothing is lost: run the same command again when it is back.`, { cause: error });
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
