/**
 * Named errors of the entry format. Each class keeps `static name` and `this.name` in step, so
 * `error.name` survives minification and `instanceof` is not needed across bundles.
 */

/** Base class of every error thrown by core/entry and core/cid.ts. */
export class EntryError extends Error {
  static name = "EntryError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EntryError";
  }
}

/** The note's markdown (front matter included) is larger than {@link MAX_NOTE_MARKDOWN_BYTES}. */
export class NoteTooLargeError extends EntryError {
  static name = "NoteTooLargeError";
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(`The note's markdown is ${size} bytes; the limit is ${limit} bytes (${formatMiB(limit)}). Split it into several notes.`);
    this.name = "NoteTooLargeError";
    this.size = size;
    this.limit = limit;
  }
}

/** The packed entry (markdown, HTML, metadata, card and images together) is larger than the limit. */
export class EntryTooLargeError extends EntryError {
  static name = "EntryTooLargeError";
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(`The packed entry is ${size} bytes with its images; the limit is ${limit} bytes (${formatMiB(limit)}). Use smaller images or fewer of them.`);
    this.name = "EntryTooLargeError";
    this.size = size;
    this.limit = limit;
  }
}

/** The front matter is not valid YAML or one of its fields has the wrong shape. */
export class InvalidFrontMatterError extends EntryError {
  static name = "InvalidFrontMatterError";
  constructor(message: string, options?: ErrorOptions) {
    super(`Invalid front matter: ${message}`, options);
    this.name = "InvalidFrontMatterError";
  }
}

/** A note cannot be packed as it is (for example it has no title). */
export class InvalidNoteError extends EntryError {
  static name = "InvalidNoteError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidNoteError";
  }
}

/** A CID, digest or token id that is not an entry's address (CIDv1, dag-pb, sha2-256). */
export class InvalidEntryCidError extends EntryError {
  static name = "InvalidEntryCidError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidEntryCidError";
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
}
