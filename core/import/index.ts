/**
 * Importers of existing TIL logs. This index is browser-safe: the log splitter, the rules for
 * what is not imported (note-text.ts) and the bounded fetch of remote images; the filesystem and
 * git importers are in the `*.node.ts` files and are imported directly from Node.
 */
export { splitTilLog, splitTilLogDetailed, parseEntryHeading, SECTION_HEADINGS, type SplitTilLogOptions, type TilLogEntry, type ParsedHeading } from "./til-log.ts";
export { decodeNoteBytes, firstInvalidUtf8, pathSkipReason, matchesGlob, skippedSource, MARKDOWN_FILE, type SkipReason, type SkippedSource, type NoteText } from "./note-text.ts";
export { fetchRemoteImages, fetchImage, RemoteImageError, MAX_IMAGE_REDIRECTS, DEFAULT_IMAGE_TIMEOUT_MS, type FetchRemoteImagesOptions } from "./remote-images.ts";
