/**
 * A note's identity: what stays the same when a note is corrected, so that publishing an edited
 * note revises its token instead of minting a second one. The ONE home of the rule; importers,
 * the CLI, the app and the contract's `noteKey` all take it from here. Browser-safe.
 *
 * The identity is, in order of preference:
 * 1. the front matter's `id` (written by the author, or recorded by an earlier publish), as written;
 * 2. `path:<path>`: the note's path inside an imported folder, `/`-separated (a folder import);
 * 3. `log:<date>:<title>`: the heading's title and date (one entry of a single-file TIL log, or a
 *    note written in the app: the app records `app:<random>` in the draft instead; see the editor).
 * The identity of a published entry is recorded in it (front matter `id`, metadata
 * `properties.id`), so re-reading an entry gives back the identity it was published under.
 *
 * `noteKey` is keccak256 of the identity's UTF-8 bytes: a bytes32 the registry can index and emit
 * with publish, without storing the (unbounded) identity on-chain.
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import { InvalidFrontMatterError } from "./errors.ts";

/** Longest identity, in characters; a longer derived one is shortened to a prefix plus a hash. */
export const MAX_NOTE_ID_CHARS = 256;

/** Where an identity can come from (the first present wins: id, then path, then title and date). */
export interface NoteIdentitySource {
  /** The front matter's `id`. */
  id?: string;
  /** The note's path inside an imported folder (relative, `/`-separated). */
  path?: string;
  title: string;
  date?: string;
}

/**
 * The identity of a note (see the module comment).
 * @throws InvalidFrontMatterError when a front-matter `id` is longer than {@link MAX_NOTE_ID_CHARS}
 * @example noteIdentity({ path: "rust/closures.md", title: "Closures" }) // "path:rust/closures.md"
 */
export function noteIdentity(source: NoteIdentitySource): string {
  const id = source.id === undefined ? "" : normalizeNoteId(source.id);
  if (id !== "") return id;
  if (source.path !== undefined && source.path !== "")
    return bounded(
      `path:${source.path
        .normalize("NFC")
        .replace(/\\/g, "/")
        .replace(/^(?:\.\/)+/, "")}`,
    );
  const title = source.title.normalize("NFC").replace(/\s+/g, " ").trim();
  return bounded(`log:${source.date ?? ""}:${title}`);
}

/**
 * A front-matter `id` as recorded: NFC, trimmed, control characters refused.
 * @throws InvalidFrontMatterError when it holds control characters or is too long
 */
export function normalizeNoteId(id: string): string {
  const text = id.normalize("NFC").trim();
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) throw new InvalidFrontMatterError("id must be one line of text without control characters.");
  if ([...text].length > MAX_NOTE_ID_CHARS) throw new InvalidFrontMatterError(`id is longer than ${MAX_NOTE_ID_CHARS} characters.`);
  return text;
}

/** The bytes32 the registry knows a note by: keccak256 of its identity's UTF-8 bytes. */
export function noteKey(identity: string): Hex {
  return keccak256(stringToBytes(identity));
}

/** A derived identity over the limit: its first characters and a hash of the whole (still stable). */
function bounded(identity: string): string {
  const chars = [...identity];
  if (chars.length <= MAX_NOTE_ID_CHARS) return identity;
  return `${chars.slice(0, MAX_NOTE_ID_CHARS - 67).join("")}#${noteKey(identity)}`;
}
