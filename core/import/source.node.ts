/**
 * One entry point for importing (Node only): a markdown file is a TIL log (one entry per `# H1`,
 * see til-log.ts), a folder is a tree of one-note files (see folder.node.ts). A file with front
 * matter and at most one `# H1` is one note, read exactly as a folder import reads it.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { htmlImagesToMarkdown } from "../entry/markdown-scan.ts";
import { splitFrontMatter } from "../entry/note.ts";
import { countFolderNotes, importFolder, importNoteFile, type ImportFolderOptions, type ImportItem } from "./folder.node.ts";
import { gitFirstAddedDates } from "./git-dates.node.ts";
import { readNoteImages } from "./images.node.ts";
import { decodeNoteBytes } from "./note-text.ts";
import { splitTilLogDetailed, type SplitTilLogOptions } from "./til-log.ts";

export type ImportSourceOptions = ImportFolderOptions & SplitTilLogOptions;

/**
 * Import notes from a TIL log file or a folder of markdown files, streaming, in source order;
 * what is skipped is yielded too, with the reason. Document-level warnings of a log file come
 * with its first entry.
 * @example for await (const item of importSource(process.argv[2])) console.log(item.sourcePath)
 */
export async function* importSource(path: string, options: ImportSourceOptions = {}): AsyncGenerator<ImportItem> {
  const info = await stat(path);
  if (info.isDirectory()) {
    yield* importFolder(path, options);
    return;
  }
  const file = await realpath(path);
  const decoded = decodeNoteBytes(new Uint8Array(await readFile(file)), { lossy: options.lossy });
  if (!decoded.ok) {
    yield { skipped: decoded.reason, sourcePath: file, sourceLine: decoded.line, message: decoded.message };
    return;
  }
  const { entries, warnings } = splitTilLogDetailed(decoded.text, options);
  if (isSingleNote(decoded.text, entries.length)) {
    const gitDates = options.git === false ? undefined : await gitFirstAddedDates(dirname(file));
    yield await importNoteFile(file, { ...options, root: dirname(file), gitDates });
    return;
  }
  if (entries.length === 0) {
    yield { skipped: "no-title", sourcePath: file, sourceLine: 1, message: "no entry: a TIL log has one entry per `# H1` heading, and this file has none (nor a front matter `title:`)" };
    return;
  }
  let pending = [...decoded.warnings, ...warnings];
  for (const entry of entries) {
    const entryWarnings = [...pending, ...entry.warnings];
    pending = [];
    const note = { ...entry.note, body: htmlImagesToMarkdown(entry.note.body) };
    const images = await readNoteImages(note.body, dirname(file), dirname(file), entryWarnings, { remote: options.remoteImages });
    yield {
      note,
      sourcePath: file,
      sourceLine: entry.line,
      images,
      dateSource: note.date === undefined ? "none" : "heading",
      warnings: entryWarnings,
    };
  }
}

/** How many entries importSource(path) yields at most (cheap: no images are read). */
export async function countSourceNotes(path: string, options: ImportSourceOptions = {}): Promise<number> {
  if ((await stat(path)).isDirectory()) return countFolderNotes(path, options);
  const decoded = decodeNoteBytes(new Uint8Array(await readFile(path)), { lossy: options.lossy });
  if (!decoded.ok) return 0;
  const count = splitTilLogDetailed(decoded.text, options).entries.length;
  return isSingleNote(decoded.text, count) ? 1 : count;
}

/** A file with front matter and at most one entry heading is one note, not a log. */
function isSingleNote(text: string, entries: number): boolean {
  return splitFrontMatter(text).frontMatter !== undefined && entries <= 1;
}
