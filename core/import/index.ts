/**
 * Importers of existing TIL logs. This index is browser-safe (the log splitter only); the
 * filesystem and git importers are in the `*.node.ts` files and are imported directly from Node.
 */
export { splitTilLog, splitTilLogDetailed, parseEntryHeading, SECTION_HEADINGS, type SplitTilLogOptions, type TilLogEntry, type ParsedHeading } from "./til-log.ts";
