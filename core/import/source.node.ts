/**
 * One entry point for importing (Node only): a markdown file is a TIL log (one entry per `# H1`,
 * see til-log.ts), a folder is a tree of one-note files (see folder.node.ts).
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { importFolder, type ImportedNote, type ImportFolderOptions } from "./folder.node.ts";
import { readLocalImages } from "./images.node.ts";
import { splitTilLogDetailed, type SplitTilLogOptions } from "./til-log.ts";

export type ImportSourceOptions = ImportFolderOptions & SplitTilLogOptions;

/**
 * Import notes from a TIL log file or a folder of markdown files, streaming, in source order.
 * Document-level warnings of a log file come with its first entry.
 * @example for await (const item of importSource(process.argv[2])) console.log(item.note.title)
 */
export async function* importSource(path: string, options: ImportSourceOptions = {}): AsyncGenerator<ImportedNote> {
  const info = await stat(path);
  if (info.isDirectory()) {
    yield* importFolder(path, options);
    return;
  }
  const file = await realpath(path);
  const { entries, warnings } = splitTilLogDetailed(await readFile(file, "utf8"), options);
  let pending = warnings;
  for (const entry of entries) {
    const entryWarnings = [...pending, ...entry.warnings];
    pending = [];
    const images = await readLocalImages(entry.note.body, dirname(file), dirname(file), entryWarnings);
    yield {
      note: entry.note,
      sourcePath: file,
      sourceLine: entry.line,
      images,
      dateSource: entry.note.date === undefined ? "none" : "heading",
      warnings: entryWarnings,
    };
  }
}
