/**
 * Importing a folder tree of markdown files, one entry per file (Node only). Streaming: the tree
 * is walked once, keeping one path per file (so the number of files is known before any is read,
 * see {@link openFolder}); then one file is in memory at a time (plus the git dates, one string
 * per file).
 *
 * - Files: markdown files (see MARKDOWN_FILE) that are not symbolic links; `.git` and
 *   `node_modules` are not walked. Skipped, and yielded as {@link SkippedSource} with the reason
 *   (see note-text.ts): repository documents at any depth (README, CONTRIBUTING, LICENSE,
 *   CODE_OF_CONDUCT, CHANGELOG, SECURITY..., any case), hidden files and anything under a
 *   dot-folder (`.github/`), unless an `include` glob names them; and, whatever the globs, empty
 *   files, binary files, invalid UTF-8 (unless `lossy`) and notes without a title.
 *   Order: by path, names compared as bytes.
 * - Tags: every folder between the root and the file, then the front matter's tags.
 * - Title: front matter, else the first `# H1`; a file with neither is skipped (never named
 *   after its file).
 * - Date: front matter, else the day the file was first committed (when the folder is in a git
 *   checkout; one `git log` pass for the whole tree), else the file's modification day (UTC).
 * - Raw HTML `<img>` tags stay HTML (their width and height survive; the renderer sanitizes them)
 *   and count as images like markdown ones (markdown-scan.ts). Images referenced by
 *   relative path are read relative to the file, from inside the root only, and must be real
 *   images (checkImage); http(s) images are fetched and packed when `remoteImages` is set.
 */
import { opendir, readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { InvalidFrontMatterError } from "../entry/errors.ts";
import { locateWarning, type Warning } from "../entry/warnings.ts";
import { noteIdentity } from "../entry/note-identity.ts";
import { normalizeNote, parseNote, splitFrontMatter, type Note } from "../entry/note.ts";
import { gitFirstAddedDates } from "./git-dates.node.ts";
import { readNoteImages } from "./images.node.ts";
import { decodeNoteBytes, MARKDOWN_FILE, pathSkipReason, skippedSource, type SkippedSource } from "./note-text.ts";
import type { FetchRemoteImagesOptions } from "./remote-images.ts";

export type { SkippedSource } from "./note-text.ts";

/** Where a note's date came from. */
type DateSource = "front-matter" | "heading" | "git" | "mtime" | "none";

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
  /** What the importer noticed, each located (`file`, `line`). */
  warnings: Warning[];
}

/** What the importers yield: a note, or a file (part) they skipped and why. */
export type ImportItem = ImportedNote | SkippedSource;

/** An import source opened once: how many items it will yield (skips included), and the items. */
export interface OpenedSource {
  total: number;
  items: AsyncIterable<ImportItem>;
}

/** Whether an import item is a skipped source rather than a note. */
export function isSkippedSource(item: ImportItem): item is SkippedSource {
  return "skipped" in item;
}

/** How notes are read, in every import mode. */
export interface ReadNoteOptions {
  /** Publish invalid UTF-8 with U+FFFD (with a warning) instead of skipping the file. */
  lossy?: boolean;
  /** Fetch http(s) images and pack them (default: no, the links stay remote). */
  remoteImages?: boolean | FetchRemoteImagesOptions;
}

export interface ImportFolderOptions extends ReadNoteOptions {
  /** Globs of files to import although a path rule skips them (`CONTRIBUTING.md`, `.github/**`). */
  include?: readonly string[];
  /** Look up dates in git history (default true). */
  git?: boolean;
}

/**
 * Import every markdown file under `dir` as one note each, streaming; skipped files are yielded
 * too, as {@link SkippedSource}.
 * @example for await (const item of importFolder("notes")) if (!isSkippedSource(item)) await packEntry(item.note, { images: item.images })
 */
export async function* importFolder(dir: string, options: ImportFolderOptions = {}): AsyncGenerator<ImportItem> {
  yield* (await openFolder(dir, options)).items;
}

/**
 * Walk `dir` once and say how many items importFolder will yield (one per markdown file, skipped
 * ones included), before any file is read; the items read each file when their turn comes.
 */
export async function openFolder(dir: string, options: ImportFolderOptions = {}): Promise<OpenedSource> {
  const root = await realpath(dir);
  const files: string[] = [];
  for await (const file of walk(root)) files.push(file);
  return { total: files.length, items: folderItems(root, files, options) };
}

async function* folderItems(root: string, files: string[], options: ImportFolderOptions): AsyncGenerator<ImportItem> {
  const gitDates = options.git === false ? undefined : await gitFirstAddedDates(root);
  for (const file of files) {
    const relativePath = relative(root, file).split(sep).join("/");
    const skip = pathSkipReason(relativePath, options.include);
    if (skip) {
      yield skippedSource(skip.reason, file, 1, skip.message);
      continue;
    }
    const folders = dirname(relativePath) === "." ? [] : dirname(relativePath).split("/");
    yield await importNoteFile(file, { ...options, root, tags: folders, gitDates });
  }
}

export interface NoteFileOptions extends ReadNoteOptions {
  /** Images are read from inside this folder only. */
  root: string;
  /** Tags before the front matter's (a folder import's folder names). */
  tags?: string[];
  /** First-commit dates by absolute path (gitFirstAddedDates). */
  gitDates?: Map<string, string>;
  /** Date a note without a front matter date by git history, else mtime (default true). */
  fallbackDates?: boolean;
  /** The file's bytes, when the caller has read them already (the file is then not read again). */
  bytes?: Uint8Array;
}

/**
 * Read one markdown file as one note (front matter and/or a first `# Title`), or say why not.
 * Folder imports, `til publish` and a log file that is really one note all read files here.
 */
export async function importNoteFile(file: string, options: NoteFileOptions): Promise<ImportItem> {
  const decoded = decodeNoteBytes(options.bytes ?? new Uint8Array(await readFile(file)), { lossy: options.lossy });
  if (!decoded.ok) return skippedSource(decoded.reason, file, decoded.line, decoded.message);
  const text = decoded.text;
  const warnings: Warning[] = [...decoded.warnings];
  let parsed: Note;
  try {
    parsed = parseNote(text);
  } catch (error) {
    if (!(error instanceof InvalidFrontMatterError)) throw error;
    warnings.push({ code: "front-matter-invalid", message: `${error.message} Its front matter is ignored.` });
    parsed = parseNote(splitFrontMatter(text).body);
  }
  if (parsed.title === "") {
    return skippedSource("no-title", file, 1, "no title: neither a front matter `title:` nor a `# heading`; add one to import it");
  }
  let date = parsed.date;
  let dateSource: DateSource = date === undefined ? "none" : "front-matter";
  // `date: null` (or an empty `date:`) in the front matter says "this note has no date": no fallback.
  const undated = /^date:[ \t]*(?:null|~)?[ \t]*$/m.test(splitFrontMatter(text).frontMatter ?? "");
  if (date === undefined && !undated && options.fallbackDates !== false) {
    date = options.gitDates?.get(file);
    dateSource = "git";
    if (date === undefined) {
      date = (await stat(file)).mtime.toISOString().slice(0, 10);
      dateSource = "mtime";
    }
  }
  // The identity: its front matter `id`, else its path inside the imported folder (note-identity.ts).
  const id = noteIdentity({ id: parsed.id, path: relative(options.root, file).split(sep).join("/"), title: parsed.title, date });
  const note = normalizeNote({ ...parsed, id, date, tags: [...(options.tags ?? []), ...parsed.tags], body: parsed.body });
  const images = await readNoteImages(note.body, dirname(file), options.root, warnings, { remote: options.remoteImages });
  return { note, sourcePath: file, sourceLine: 1, images, dateSource, warnings: warnings.map((warning) => locateWarning(warning, file, 1)) };
}

/** Markdown files under `dir`, depth first, sorted by name (as bytes) in each folder. */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries: Array<{ name: string; isDirectory: boolean; isFile: boolean }> = [];
  for await (const entry of await opendir(dir)) {
    if (entry.name === ".git" || entry.name === "node_modules") continue;
    entries.push({ name: entry.name, isDirectory: entry.isDirectory(), isFile: entry.isFile() });
  }
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile && MARKDOWN_FILE.test(entry.name)) yield path;
  }
}
