/**
 * What an importer refuses to turn into an entry, decided in one place (browser-safe): files that
 * are not notes (repository documents such as README or CONTRIBUTING, anything under a dot-folder)
 * and files whose bytes are not a note's text (empty, binary, invalid UTF-8, no title). Every
 * refusal is a {@link SkippedSource} with a reason the CLI prints as `file:line: message`.
 */
import type { Warning, WarningCode } from "../entry/warnings.ts";

/** Why a source file, or part of one, is not imported. */
export type SkipReason = "repository-document" | "dot-folder" | "empty" | "binary" | "invalid-utf8" | "no-title";

/** A file (or a part of a log file) an importer did not turn into a note, and why. */
export interface SkippedSource {
  skipped: SkipReason;
  /** Absolute path of the file. */
  sourcePath: string;
  /** 1-based line the reason applies to (1 for a whole file). */
  sourceLine: number;
  message: string;
  /**
   * The warning to report when the author probably wanted this imported (empty, binary, invalid
   * UTF-8, no title). Skips expected in a TIL repository (its README, LICENSE, .github/...) have
   * none: they are listed, not warned about.
   */
  warning?: Warning;
}

/** Warning codes of the skips worth a warning; the others are routine. */
const SKIP_WARNINGS: Partial<Record<SkipReason, WarningCode>> = {
  empty: "skipped-empty",
  binary: "skipped-binary",
  "invalid-utf8": "invalid-utf8",
  "no-title": "skipped-untitled",
};

/** A skipped source, with its warning when the skip is not routine (see {@link SkippedSource}). */
export function skippedSource(skipped: SkipReason, sourcePath: string, sourceLine: number, message: string): SkippedSource {
  const code = SKIP_WARNINGS[skipped];
  return {
    skipped,
    sourcePath,
    sourceLine,
    message,
    ...(code ? { warning: { code, file: sourcePath, line: sourceLine, message: `skipped: ${message}` } } : {}),
  };
}

/** Markdown file extensions the importers read (any case). */
export const MARKDOWN_FILE = /\.(?:md|markdown|mdown|mkd|mkdn|mdwn)$/i;

/** Repository documents: a TIL repository's index, contribution rules, licence and so on. */
const REPOSITORY_DOCUMENT =
  /^(?:readme|contributing|licen[cs]e|code[_-]of[_-]conduct|changelog|security|support|authors|pull_request_template|issue_template)(?:\.(?:md|markdown|mdown|mkd|mkdn|mdwn))$/i;

/**
 * Why a file of a folder import is skipped by its path alone (before it is read), or undefined.
 * @param relativePath path from the imported folder, `/`-separated
 * @param include globs (see {@link matchesGlob}) that bring a skipped file back
 */
export function pathSkipReason(relativePath: string, include: readonly string[] = []): { reason: SkipReason; message: string } | undefined {
  const parts = relativePath.split("/");
  const name = parts.at(-1) ?? "";
  let found: { reason: SkipReason; message: string } | undefined;
  const dotted = parts.findIndex((part) => part.startsWith("."));
  if (dotted >= 0 && dotted < parts.length - 1) {
    found = { reason: "dot-folder", message: `under the dot-folder ${parts.slice(0, dotted + 1).join("/")}/ (not notes: repository settings and templates)` };
  } else if (name.startsWith(".")) {
    found = { reason: "dot-folder", message: "a hidden file" };
  } else if (REPOSITORY_DOCUMENT.test(name)) {
    found = { reason: "repository-document", message: `a repository document (${name.replace(MARKDOWN_FILE, "")}), not a note` };
  }
  if (!found || include.some((glob) => matchesGlob(relativePath, glob))) return undefined;
  return { ...found, message: `${found.message}; --include ${JSON.stringify(relativePath)} imports it` };
}

/**
 * Whether a `/`-separated relative path matches a glob: `*` any characters but `/`, `**` any
 * folders, `?` one character, `{a,b}` alternatives; case-insensitive. A glob without `/` matches
 * the file name at any depth (`CONTRIBUTING.md`, `*.md`); one with `/` matches from the root
 * (`.github/**`, `docs/*.md`).
 */
export function matchesGlob(relativePath: string, glob: string): boolean {
  const pattern = glob.replace(/\\/g, "/").replace(/^\.\//, "");
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        source += "(?:.*/)?";
      } else source += ".*";
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "{") {
      const end = pattern.indexOf("}", i);
      if (end < 0) source += "\\{";
      else {
        source += `(?:${pattern
          .slice(i + 1, end)
          .split(",")
          .map(escapeRegExp)
          .join("|")})`;
        i = end;
      }
    } else source += escapeRegExp(char);
  }
  const anchored = pattern.includes("/") ? `^${source}$` : `^(?:.*/)?${source}$`;
  return new RegExp(anchored, "i").test(relativePath);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The decoded text of a note file, or why it is not one. */
export type NoteText = { ok: true; text: string; warnings: Warning[] } | { ok: false; reason: SkipReason; line: number; message: string };

/**
 * Decode a markdown file's bytes as a note's text. Empty (or whitespace-only) files, binary files (a NUL byte, or
 * mostly control characters, in the first 8 KiB) and invalid UTF-8 (with the byte offset and
 * line of the first bad byte) are refused; `lossy` publishes invalid UTF-8 with U+FFFD instead,
 * with a warning.
 * @example decodeNoteBytes(new Uint8Array([0x23, 0x20, 0xe9])) // { ok: false, reason: "invalid-utf8", ... }
 */
export function decodeNoteBytes(bytes: Uint8Array, options: { lossy?: boolean } = {}): NoteText {
  const blank = bytes.byteLength <= 4096 && /^[\s\uFEFF]*$/.test(new TextDecoder().decode(bytes));
  if (bytes.byteLength === 0 || blank) {
    return { ok: false, reason: "empty", line: 1, message: "the file is empty" };
  }
  const head = bytes.subarray(0, 8192);
  const nul = head.indexOf(0);
  let controls = 0;
  for (const byte of head) if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) controls++;
  if (nul >= 0 || controls > head.length / 10) {
    return {
      ok: false,
      reason: "binary",
      line: 1,
      message: `a binary file, not markdown text (${nul >= 0 ? `a NUL byte at offset ${nul}` : "mostly control characters"})`,
    };
  }
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), warnings: [] };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = lineAt(bytes, offset);
    const where = `byte ${offset} (0x${bytes[offset].toString(16).padStart(2, "0")}) on line ${line}`;
    if (options.lossy) {
      return {
        ok: true,
        text: new TextDecoder("utf-8").decode(bytes),
        warnings: [{ code: "lossy-utf8", line, message: `invalid UTF-8 from ${where}; published with U+FFFD (�) in place of the bad bytes (--lossy)` }],
      };
    }
    return {
      ok: false,
      reason: "invalid-utf8",
      line,
      message: `not valid UTF-8: ${where} (Latin-1 or Windows-1252 text? convert it, e.g. \`iconv -f latin1 -t utf-8\`, or pass --lossy to publish it with U+FFFD)`,
    };
  }
}

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (byte >= 0xc2 && byte <= 0xdf) [length, min] = [2, 0x80];
    else if (byte >= 0xe0 && byte <= 0xef) [length, min] = [3, 0x800];
    else if (byte >= 0xf0 && byte <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let code = byte & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return -1;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
