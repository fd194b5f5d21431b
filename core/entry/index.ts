/**
 * The entry format, shared by the CLI and the web app (browser-safe: no Node imports).
 * See pack.ts for the layout of an entry directory.
 */
export { parseNote, serializeNote, normalizeNote, splitFrontMatter, isIsoDate, normalizeText, type Note } from "./note.ts";
export {
  packEntry,
  directoryCid,
  fileCid,
  entryImporterOptions,
  ENTRY_ADD_OPTIONS,
  imageFileName,
  ENTRY_FILES,
  ENTRY_FORMAT,
  MAX_NOTE_MARKDOWN_BYTES,
  MAX_ENTRY_BYTES,
  DESCRIPTION_MAX_CHARS,
  type EntryFile,
  type EntryMetadata,
  type PackedEntry,
  type PackEntryOptions,
} from "./pack.ts";
export { renderMarkdown, markdownToPlainText, isSafeImageUrl, isSafeLinkUrl, type RenderOptions } from "./render.ts";
export { renderEntryPage, escapeHtml } from "./page.ts";
export { renderCardSvg } from "./card.ts";
export { findImageReferences, rewriteImageDestinations, isLocalDestination, firstH1, htmlImagesToMarkdown, type ImageReference } from "./markdown-scan.ts";
export { checkImage, sniffRasterImage, unsafeSvgConstruct, nameForImageType, IMAGE_TYPES, type ImageCheck, type ImageType, type ImageRefusalCode } from "./image-check.ts";
export * from "./errors.ts";
export { formatWarning, locateWarning, type Warning, type WarningCode } from "./warnings.ts";
