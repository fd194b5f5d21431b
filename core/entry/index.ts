/**
 * The entry format, shared by the CLI and the web app (browser-safe: no Node imports).
 * See pack.ts for the layout of an entry directory.
 */
export { parseNote, serializeNote, normalizeNote, type Note } from "./note.ts";
export {
  packEntry,
  directoryCid,
  fileCid,
  entryImporterOptions,
  ENTRY_ADD_OPTIONS,
  ENTRY_FILES,
  MAX_NOTE_MARKDOWN_BYTES,
  MAX_ENTRY_BYTES,
  type EntryFile,
  type EntryMetadata,
  type PackedEntry,
} from "./pack.ts";
export { renderMarkdown, isSafeImageUrl, isSafeLinkUrl } from "./render.ts";
export { rewriteImageDestinations } from "./markdown-scan.ts";
export {
  checkImage,
  unsafeSvgConstruct,
  nameForImageType,
} from "./image-check.ts";
export * from "./errors.ts";
export type { Warning } from "./warnings.ts";
