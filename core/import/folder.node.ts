/**
 * Importing a folder tree of markdown files, one entry per file (Node only). Streaming: one
 * folder listing and one file are in memory at a time (plus the git dates, one string per file).
 *
 * - Files: `*.md` and `*.markdown`; folders and files whose name starts with "." and
 *   `node_modules` are skipped, so are symbolic links, and the `README.md` at the root (a TIL
 *   repository's index) unless `includeRootReadme`. Order: by path, names compared as bytes.
 * - Tags: every folder between the root and the file, then the front matter's tags.
 * - Title: front matter, else the first `# H1`, else the file name (dashes and underscores as spaces).
 * - Date: front matter, else the day the file was first committed (when the folder is in a git
 *   checkout; one `git log` pass for the whole tree), else the file's modification day (UTC).
 * - Images referenced by relative path are read relative to the file, from inside the root only.
 */
import { opendir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, sep } from "node:path";
import { InvalidFrontMatterError } from "../entry/errors.ts";
import { normalizeNote, parseNote, splitFrontMatter, type Note } from "../entry/note.ts";
import { gitFirstAddedDates } from "./git-dates.node.ts";
import { readLocalImages } from "./images.node.ts";

/** Where a note's date came from. */
export type DateSource = "front-matter" | "heading" | "git" | "mtime" | "none";

/** One note found by an importer, ready for packEntry(note, { images }). */
export interface ImportedNote {
  note: Note;
  /** Absolute path of the file the note came from. */
  sourcePath: string;
  /** 1-based line of the note's heading in a log file; 1 for one-note files. */
  sourceLine: number;
  /** Images by destination as written in the markdown. */
  images: Map<string, Uint8Array>;
  dateSource: DateSource;
  warnings: string[];
}

export interface ImportFolderOptions {
  /** Import the root's README.md as an entry too (default false). */
  includeRootReadme?: boolean;
  /** Look up dates in git history (default true). */
  git?: boolean;
}

const MARKDOWN_FILE = /\.(?:md|markdown)$/i;

/**
 * Import every markdown file under `dir` as one note each, streaming.
 * @example for await (const { note, images } of importFolder("notes")) await packEntry(note, { images })
 */
export async function* importFolder(dir: string, options: ImportFolderOptions = {}): AsyncGenerator<ImportedNote> {
  const root = await realpath(dir);
  const gitDates = options.git === false ? undefined : await gitFirstAddedDates(root);
  for await (const file of walk(root)) {
    const relativePath = relative(root, file);
    if (isSkipped(relativePath, options)) continue;
    yield await importFile(file, relativePath, root, gitDates);
  }
}

/** How many notes importFolder(dir, options) will yield, without reading any file. */
export async function countFolderNotes(dir: string, options: ImportFolderOptions = {}): Promise<number> {
  const root = await realpath(dir);
  let count = 0;
  for await (const file of walk(root)) if (!isSkipped(relative(root, file), options)) count += 1;
  return count;
}

function isSkipped(relativePath: string, options: ImportFolderOptions): boolean {
  return !options.includeRootReadme && /^readme\.(?:md|markdown)$/i.test(relativePath);
}

async function importFile(file: string, relativePath: string, root: string, gitDates: Map<string, string> | undefined): Promise<ImportedNote> {
  const warnings: string[] = [];
  const text = await readFile(file, "utf8");
  let parsed: Note;
  try {
    parsed = parseNote(text);
  } catch (error) {
    if (!(error instanceof InvalidFrontMatterError)) throw error;
    warnings.push(`${error.message} Its front matter is ignored.`);
    parsed = parseNote(splitFrontMatter(text).body);
  }
  const folders = dirname(relativePath) === "." ? [] : dirname(relativePath).split(sep);
  let date = parsed.date;
  let dateSource: DateSource = "front-matter";
  // `date: null` (or an empty `date:`) in the front matter says "this note has no date": no fallback.
  const undated = /^date:[ \t]*(?:null|~)?[ \t]*$/m.test(splitFrontMatter(text).frontMatter ?? "");
  if (undated) dateSource = "none";
  else if (date === undefined) {
    date = gitDates?.get(file);
    dateSource = "git";
  }
  if (date === undefined && !undated) {
    date = (await stat(file)).mtime.toISOString().slice(0, 10);
    dateSource = "mtime";
  }
  const title = parsed.title !== "" ? parsed.title : basename(file, extname(file)).replace(/[-_]+/g, " ").trim();
  const note = normalizeNote({ ...parsed, title, date, tags: [...folders, ...parsed.tags] });
  const images = await readLocalImages(note.body, dirname(file), root, warnings);
  return { note, sourcePath: file, sourceLine: 1, images, dateSource, warnings };
}

/** Markdown files under `dir`, depth first, sorted by name (as bytes) in each folder. */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries: Array<{ name: string; isDirectory: boolean; isFile: boolean }> = [];
  for await (const entry of await opendir(dir)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    entries.push({ name: entry.name, isDirectory: entry.isDirectory(), isFile: entry.isFile() });
  }
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile && MARKDOWN_FILE.test(entry.name)) yield path;
  }
}
