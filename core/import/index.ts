/**
 * Importers of existing TIL logs. This index is browser-safe: the log splitter, the rules for
 * what is not imported (note-text.ts) and the bounded fetch of remote images; the filesystem and
 * git importers are in the `*.node.ts` files and are imported directly from Node.
 */
export {
  splitTilLog,
  splitTilLogDetailed,
  parseEntryHeading,
} from "./til-log.ts";
export {
  decodeNoteBytes,
  firstInvalidUtf8,
  pathSkipReason,
  matchesGlob,
} from "./note-text.ts";
export {
  fetchRemoteImages,
  fetchImage,
} from "./remote-images.ts";
