/**
 * `til publish <file.md...>` (one note per file) and `til import <file-or-folder>` (a TIL log with
 * many notes, or a folder tree of notes): both run the publish pipeline and end with one JSON
 * summary line on stdout. What is not imported (repository documents, dot-folders, empty, binary
 * or non-UTF-8 files, notes without a title, images that are not images) is reported on stderr as
 * `file:line: reason` and counted in the summary; nothing is dropped silently.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { importNoteFile, type ImportItem, type ReadNoteOptions } from "#core/import/folder.node.ts";
import { openSource } from "#core/import/source.node.ts";
import type { TilSettings } from "#core/config.ts";
import { authorWallet, connectChain, connectIpfs } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { Journal } from "../publishing/journal.ts";
import { publishNotes, type PublishOptions } from "../publishing/publish-entries.ts";
import { pinOnRemoteServices, type RemotePinTally } from "../publishing/remote-pins.ts";
import { ProgressBar } from "../cli/progress.ts";

export interface PublishCommandOptions {
  dryRun: boolean;
  batchSize?: number;
  /** Globs of files a folder import skips by default that are imported anyway (--include). */
  include?: string[];
  /** Publish invalid UTF-8 with U+FFFD instead of skipping the file (--lossy). */
  lossy?: boolean;
  /** Leave http(s) images as remote links instead of fetching and packing them (--keep-remote-images). */
  keepRemoteImages?: boolean;
  /** Time allowed per remote image, in milliseconds (--image-timeout, in seconds). */
  imageTimeoutMs?: number;
  /** How long to wait for remote pinning services to report `pinned`, in ms (--remote-pin-timeout, in seconds; default 300 s). */
  remotePinTimeoutMs?: number;
}

/** `til publish`: each file is one note (front matter and/or a first `# Title`). */
export async function runPublish(settings: TilSettings, files: string[], options: PublishCommandOptions): Promise<number> {
  if (files.length === 0) throw new CliError(EXIT_CODES.usage, "Name at least one markdown file: npm run til -- publish notes/today.md");
  for (const file of files) await assertReadable(file);
  return run(settings, singleNotes(files, readOptions(options)), files.length, options);
}

/** `til import`: a TIL log file (one entry per `# H1`) or a folder of markdown files. */
export async function runImport(settings: TilSettings, sources: string[], options: PublishCommandOptions): Promise<number> {
  if (sources.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one TIL log file or one folder: npm run til -- import my-til/README.md");
  await assertReadable(sources[0]);
  // Opened once: a folder is walked once, a log file read and split once; the count comes first, for the progress bar.
  const { total, items } = await openSource(sources[0], { ...readOptions(options), include: options.include ?? [] });
  return run(settings, items, total, options);
}

function readOptions(options: PublishCommandOptions): ReadNoteOptions {
  return { lossy: options.lossy === true, remoteImages: options.keepRemoteImages ? false : { timeoutMs: options.imageTimeoutMs } };
}

async function run(settings: TilSettings, notes: AsyncIterable<ImportItem>, total: number, options: PublishCommandOptions): Promise<number> {
  const journal = await Journal.open(settings.home);
  const pipeline: PublishOptions = { journal, dryRun: options.dryRun, batchSize: options.batchSize, total };
  if (!options.dryRun) {
    pipeline.ipfs = await connectIpfs(settings);
    pipeline.chain = await connectChain(settings);
    pipeline.author = authorWallet(pipeline.chain);
  } else {
    // Read-only: the registry says which entries are new; nothing is pinned, minted or journaled.
    try {
      pipeline.chain = await connectChain(settings);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      console.error(`chain not reachable: ${error.message.split("\n")[0]} The dry run goes on; entries are not checked (new / already published).`);
    }
    if (pipeline.chain) {
      try {
        pipeline.author = authorWallet(pipeline.chain);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        pipeline.chain.provider.destroy();
        pipeline.chain = undefined;
        console.error(`no author to check against: ${error.message} The dry run goes on; entries are not checked (new / already published).`);
      }
    }
  }
  try {
    const { summary, exitCode } = await publishNotes(notes, pipeline);
    const remotePins = options.dryRun ? undefined : await remotePinStage(journal, pipeline, options);
    console.log(JSON.stringify(remotePins ? { ...summary, remotePins } : summary));
    return exitCode;
  } finally {
    pipeline.chain?.provider.destroy();
  }
}

/**
 * After minting: every remote pinning service the node knows pins the author's minted entries and
 * revisions (scripts/publishing/remote-pins.ts); the summary's `remotePins` counts, per service,
 * the versions queued, pinning, pinned and failed when the wait ended.
 */
async function remotePinStage(journal: Journal, pipeline: PublishOptions, options: PublishCommandOptions): Promise<RemotePinTally | undefined> {
  const { chain, author, ipfs } = pipeline;
  if (!chain || !author || !ipfs) return undefined;
  const titles = new Map<string, string>();
  for (const record of journal.records) if (record.event === "packed") titles.set(record.cid, record.title);
  const mine = (r: { contract: string; author: string }) =>
    r.contract.toLowerCase() === chain.deployment.address.toLowerCase() && r.author.toLowerCase() === author.address.toLowerCase();
  // every version: the first of each entry and each revision
  const entries = [...journal.mintedEntries(chain.deployment.chainId), ...journal.revisions(chain.deployment.chainId)]
    .filter(mine)
    .map((r) => ({ cid: r.cid, title: titles.get(r.cid) }));
  const progress = new ProgressBar("remote pinning");
  try {
    return await pinOnRemoteServices({ journal, ipfs, entries, timeoutMs: options.remotePinTimeoutMs ?? 300_000, progress });
  } finally {
    progress.finish();
  }
}

async function* singleNotes(files: string[], options: ReadNoteOptions): AsyncGenerator<ImportItem> {
  for (const file of files) {
    const absolute = path.resolve(file);
    yield await importNoteFile(absolute, { ...options, root: path.dirname(absolute), fallbackDates: false });
  }
}

async function assertReadable(file: string): Promise<void> {
  try {
    await stat(file);
  } catch {
    throw new CliError(EXIT_CODES.notFound, `${file} does not exist (relative paths are taken from ${process.cwd()}).`);
  }
}
