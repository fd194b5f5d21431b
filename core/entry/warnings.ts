/**
 * Warnings: what an import or a pack noticed that did not stop it (browser-safe). Each kind has a
 * code, so callers decide what a warning means by its code and fields, never by its wording; the
 * message is for people. The CLI prints `warning: file:line: message`.
 */

/** The kinds of warnings, one code each. */
export type WarningCode =
  // The note's text (core/import/note-text.ts, folder.node.ts, source.node.ts)
  | "skipped-empty" //            an empty (or whitespace-only) file, not imported
  | "skipped-binary" //           a binary file (a NUL byte, mostly control characters), not imported
  | "skipped-untitled" //         neither a front matter `title:` nor a `# heading`, not imported
  | "invalid-utf8" //             not valid UTF-8, not imported (--lossy imports it)
  | "lossy-utf8" //               invalid UTF-8 published with U+FFFD (--lossy)
  | "front-matter-invalid" //     front matter that does not parse; ignored
  // A TIL log's headings (core/import/til-log.ts)
  | "log-title-guessed" //        the first `# H1` taken as the log's own title, not an entry
  | "date-guessed" //             a date's year inferred from the neighbouring entries
  | "date-invalid" //             a date that is not on the calendar; the entry has no date
  | "date-undetermined" //        a date without a year and no dated neighbour; the entry has no date
  | "tag-guessed" //              an unclosed `[tag` bracket; its first word taken as the tag
  | "entry-empty" //              an entry heading with no text under it
  // Images (core/import/images.node.ts, remote-images.ts, core/entry/pack.ts)
  | "image-missing" //            a local image that is not there (or was not supplied to packEntry)
  | "image-refused" //            bytes that are not a real image, or an unsafe SVG
  | "image-hidden" //             a hidden file or a path through a dot-folder; never read
  | "image-outside-root" //       a path (or a link) leading outside the imported folder; not read
  | "image-too-large" //          a local file larger than an entry may hold; not read
  | "image-remote-failed" //      an http(s) image that could not be fetched; the link stays remote
  | "image-unsafe-url" //         an image URL readers will not load (not http(s), ipfs or local)
  // Publishing (scripts/publishing/)
  | "duplicate-content" //        a note with the same content as an earlier one; published once
  | "duplicate-identity"; //      a note with the same identity as an earlier one; published without a note key

export interface Warning {
  code: WarningCode;
  /** What happened and what to do, for people (may quote a note's text: print it terminal-safe). */
  message: string;
  /** Absolute path of the file it is about; set by the importers (packEntry knows no files). */
  file?: string;
  /** 1-based line it is about; the note's own line when not more precise. */
  line?: number;
  /** The image destination as written in the markdown, for the image-* codes. */
  image?: string;
  /** For duplicate-content: the `file:line` of the earlier note with the same content. */
  sameAs?: string;
}

/** The warning located at `file:line`, unless it already says where it is. */
export function locateWarning(warning: Warning, file: string, line: number): Warning {
  return { ...warning, file: warning.file ?? file, line: warning.line ?? line };
}

/** `file:line: message` (the parts known), as the CLI prints it after `warning: `. */
export function formatWarning(warning: Warning): string {
  const where = warning.file === undefined ? "" : warning.line === undefined ? `${warning.file}: ` : `${warning.file}:${warning.line}: `;
  return `${where}${warning.message}`;
}
