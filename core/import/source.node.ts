/**
 * One entry point for importing (Node only): a markdown file is a TIL log (one entry per `# H1`,
 * see til-log.ts), a folder is a tree of one-note files (see folder.node.ts). A file with front
 * matter and at most one `# H1` is one note, read exactly as a folder import reads it.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { noteIdentity } from "../entry/note-identity.ts";
import { splitFrontMatter } from "../entry/note.ts";
import { locateWarning, type Warning } from "../entry/warnings.ts";
import { importNoteFile, openFolder, type ImportFolderOptions, type ImportItem, type OpenedSource } from "./folder.node.ts";
import { gitFirstAddedDates } from "./git-dates.node.ts";
import { readNoteImages } from "./images.node.ts";
import { decodeNoteBytes, skippedSource } from "./note-text.ts";
import { splitTilLogDetailed, type SplitTilLogOptions, type TilLogEntry } from "./til-log.ts";

export type ImportSourceOptions = ImportFolderOptions & SplitTilLogOptions;

/**
 * Import notes from a TIL log file or a folder of markdown files, streaming, in source order;
 * what is skipped is yielded too, with the reason. Document-level warnings of a log file come
 * with its first entry.
 * @example for await (const item of importSource(process.argv[2])) console.log(item.sourcePath)
 */
export async function* importSource(path: string, options: ImportSourceOptions = {}): AsyncGenerator<ImportItem> {
  yield* (await openSource(path, options)).items;
}

/**
 * Open a TIL log file or a folder once: how many items importSource yields (skips included), known
 * before any note is read (a folder is walked once; a log file is read and split once), and the
 * items themselves.
 */
export async function openSource(path: string, options: ImportSourceOptions = {}): Promise<OpenedSource> {
  const info = await stat(path);
  if (info.isDirectory()) return openFolder(path, options);
  const file = await realpath(path);
  const bytes = new Uint8Array(await readFile(file));
  const decoded = decodeNoteBytes(bytes, { lossy: options.lossy });
  if (!decoded.ok) return { total: 1, items: once(skippedSource(decoded.reason, file, decoded.line, decoded.message)) };
  const { entries, warnings } = splitTilLogDetailed(decoded.text, options);
  if (isSingleNote(decoded.text, entries.length)) {
    const gitDates = options.git === false ? undefined : await gitFirstAddedDates(dirname(file));
    return { total: 1, items: lazyOnce(() => importNoteFile(file, { ...options, root: dirname(file), gitDates, bytes })) };
  }
  if (entries.length === 0) {
    return {
      total: 1,
      items: once(
        skippedSource("no-title", file, 1, "no entry: a TIL log has one entry per `# H1` heading, and this file has none (nor a front matter `title:`)"),
      ),
    };
  }
  return { total: entries.length, items: logItems(file, entries, [...decoded.warnings, ...warnings], options) };
}

async function* logItems(file: string, entries: TilLogEntry[], documentWarnings: Warning[], options: ImportSourceOptions): AsyncGenerator<ImportItem> {
  let pending = documentWarnings;
  for (const entry of entries) {
    const entryWarnings = [...pending, ...entry.warnings];
    pending = [];
    // One entry of a single-file log: its identity is its heading's title and date (note-identity.ts).
    const note = { ...entry.note, id: noteIdentity(entry.note) };
    const images = await readNoteImages(note.body, dirname(file), dirname(file), entryWarnings, { remote: options.remoteImages });
    yield {
      note,
      sourcePath: file,
      sourceLine: entry.line,
      images,
      dateSource: note.date === undefined ? "none" : "heading",
      warnings: entryWarnings.map((warning) => locateWarning(warning, file, entry.line)),
    };
  }
}

async function* once(item: ImportItem): AsyncGenerator<ImportItem> {
  yield item;
}

async function* lazyOnce(read: () => Promise<ImportItem>): AsyncGenerator<ImportItem> {
  yield await read();
}

/** A file with front matter and at most one entry heading is one note, not a log. */
function isSingleNote(text: string, entries: number): boolean {
  return splitFrontMatter(text).frontMatter !== undefined && entries <= 1;
}
