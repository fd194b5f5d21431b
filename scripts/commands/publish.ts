/**
 * `til publish <file.md...>` (one note per file) and `til import <file-or-folder>` (a TIL log with
 * many notes, or a folder tree of notes): both run the publish pipeline and end with one JSON
 * summary line on stdout.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseNote } from "../../core/entry/index.ts";
import { importSource } from "../../core/import/source.node.ts";
import { splitTilLogDetailed } from "../../core/import/til-log.ts";
import { readLocalImages } from "../../core/import/images.node.ts";
import { countFolderNotes, type ImportedNote } from "../../core/import/folder.node.ts";
import type { TilSettings } from "../../core/config.ts";
import { authorWallet, connectChain, connectIpfs } from "../publishing/context.ts";
import { CliError, EXIT_CODES } from "../publishing/errors.ts";
import { Journal } from "../publishing/journal.ts";
import { publishNotes, type PublishOptions } from "../publishing/publish-entries.ts";

export interface PublishCommandOptions {
  dryRun: boolean;
  batchSize?: number;
}

/** `til publish`: each file is one note (front matter and/or a first `# Title`). */
export async function runPublish(settings: TilSettings, files: string[], options: PublishCommandOptions): Promise<number> {
  if (files.length === 0) throw new CliError(EXIT_CODES.usage, "Name at least one markdown file: npm run til -- publish notes/today.md");
  for (const file of files) await assertReadable(file);
  return run(settings, singleNotes(files), files.length, options);
}

/** `til import`: a TIL log file (one entry per `# H1`) or a folder of markdown files. */
export async function runImport(settings: TilSettings, sources: string[], options: PublishCommandOptions): Promise<number> {
  if (sources.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one TIL log file or one folder: npm run til -- import my-til/README.md");
  await assertReadable(sources[0]);
  return run(settings, importSource(sources[0]), await countNotes(sources[0]), options);
}

async function run(settings: TilSettings, notes: AsyncIterable<ImportedNote>, total: number, options: PublishCommandOptions): Promise<number> {
  const journal = await Journal.open(settings.home);
  const pipeline: PublishOptions = { journal, dryRun: options.dryRun, batchSize: options.batchSize, total };
  if (!options.dryRun) {
    pipeline.ipfs = await connectIpfs(settings);
    pipeline.chain = await connectChain(settings);
    pipeline.author = authorWallet(pipeline.chain);
  }
  try {
    const { summary, exitCode } = await publishNotes(notes, pipeline);
    console.log(JSON.stringify(summary));
    return exitCode;
  } finally {
    pipeline.chain?.provider.destroy();
  }
}

async function* singleNotes(files: string[]): AsyncGenerator<ImportedNote> {
  for (const file of files) {
    const absolute = path.resolve(file);
    const warnings: string[] = [];
    const note = parseNote(await readFile(absolute, "utf8"));
    const images = await readLocalImages(note.body, path.dirname(absolute), path.dirname(absolute), warnings);
    yield { note, sourcePath: absolute, sourceLine: 1, images, dateSource: note.date ? "front-matter" : "none", warnings };
  }
}

/** How many notes a source holds, for the progress bar (cheap: no images are read). */
async function countNotes(source: string): Promise<number> {
  const info = await stat(source);
  if (info.isFile()) return splitTilLogDetailed(await readFile(source, "utf8")).entries.length;
  return countFolderNotes(source);
}

async function assertReadable(file: string): Promise<void> {
  try {
    await stat(file);
  } catch {
    throw new CliError(EXIT_CODES.notFound, `${file} does not exist (relative paths are taken from ${process.cwd()}).`);
  }
}
