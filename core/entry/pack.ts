/**
 * Packing a note as an entry: a UnixFS directory whose CID is computed here, locally, before
 * anything is sent, and equals what Kubo returns for
 * `ipfs add --recursive --wrap-with-directory --cid-version=1` of the same files.
 *
 * The entry directory (paths are fixed; `ENTRY_FILES` names them):
 *   index.md       the note in canonical form: front matter (title, date, tags, and in format v2
 *                  the note's identity `id` and the `author`'s address) + body, with links to
 *                  packed images rewritten to `images/<name>`
 *   index.html     static rendering of the note (inline styles, no script) for gateways, naming
 *                  the author
 *   metadata.json  ERC-721 metadata (metadata.ts: name, description, image, animation_url,
 *                  external_url, attributes, properties with the identity, author and the
 *                  predecessor revision's CID)
 *   card.svg       the token image: a card with the title, date and tags
 *   images/<name>  every image the markdown references and the caller supplied (a file beside the
 *                  note, or an http(s) image the importer fetched), if checkImage accepts its
 *                  bytes (image-check.ts: real PNG/JPEG/GIF/WebP/AVIF, or an SVG without script or
 *                  external references); <name> is the file's base name reduced to [A-Za-z0-9._-]
 *                  with the extension of its real type, made unique with a content hash
 *
 * Deterministic: no clock, no randomness, fixed JSON key order, files sorted by path, every
 * importer option set explicitly; the same note and images give the same bytes and CID anywhere.
 */
import { importer, type ImporterOptions } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { kuboImporterOptions, KUBO_CHUNK_SIZE } from "../unixfs/kubo-importer.ts";
import { cidToDigest, type Digest } from "../cid.ts";
import { compareBytes, equalBytes, toHex } from "../bytes.ts";
import { renderCardSvg } from "./card.ts";
import { EntryTooLargeError, InvalidNoteError, NoteTooLargeError } from "./errors.ts";
import { checkImage, nameForImageType } from "./image-check.ts";
import { findImageReferences, rewriteImageDestinations } from "./markdown-scan.ts";
import { normalizeNote, serializeNote, type Note } from "./note.ts";
import { renderEntryPage } from "./page.ts";
import type { Warning } from "./warnings.ts";
import { MAX_ENTRY_BYTES, MAX_METADATA_BYTES, MAX_NOTE_MARKDOWN_BYTES } from "./limits.ts";
import { isSafeImageUrl, markdownToPlainText } from "./render.ts";
import { buildEntryMetadata, type EntryMetadata } from "./metadata.ts";

export type { EntryMetadata } from "./metadata.ts";

// The limits live in one table (limits.ts), shared with every reader.
export { MAX_NOTE_MARKDOWN_BYTES, MAX_ENTRY_BYTES } from "./limits.ts";
/** Longest metadata description, in characters (an ellipsis ends a cut excerpt). */
const DESCRIPTION_MAX_CHARS = 200;

/** Paths of the fixed files inside an entry directory. */
export const ENTRY_FILES = {
  markdown: "index.md",
  html: "index.html",
  metadata: "metadata.json",
  card: "card.svg",
  imagesFolder: "images",
} as const;

/**
 * UnixFS importer options of entries: Kubo's `ipfs add --cid-version=1` (CIDv1, raw leaves,
 * 256 KiB fixed-size chunks, balanced DAG of at most 174 links, single leaf reduced to itself),
 * wrapped in a directory. The Kubo options are defined once, in core/unixfs/kubo-importer.ts.
 */
export function entryImporterOptions(wrapWithDirectory: boolean): ImporterOptions {
  return {
    ...kuboImporterOptions({ cidVersion: 1, rawLeaves: true, chunker: `size-${KUBO_CHUNK_SIZE}`, wrapWithDirectory }),
    shardFanoutBits: 8,
  };
}

/**
 * Kubo RPC `add` options under which a node computes each entry directory's CID exactly as
 * {@link packEntry} does (the same Kubo importer settings), pinned. Add one entry's files with
 * `wrapWithDirectory: true`, or several entries at once as `<cid>/<path>`: Kubo pins each top-level
 * directory, and a directory's CID does not depend on its name.
 */
export const ENTRY_ADD_OPTIONS = { cidVersion: 1, rawLeaves: true, chunker: `size-${KUBO_CHUNK_SIZE}`, pin: true } as const;

export interface EntryFile {
  /** Path inside the entry directory, `/`-separated. */
  path: string;
  content: Uint8Array;
}

export interface PackedEntry {
  /** Files of the entry directory, sorted by path. */
  files: EntryFile[];
  /** CIDv1 (base32, "bafybei...") of the entry directory. */
  cid: string;
  /** The 32-byte sha2-256 digest of `cid`, as the contract stores it. */
  digest: Digest;
  /** The note as packed (canonical, image links rewritten). */
  note: Note;
  /** Problems that did not stop packing, e.g. an image referenced but not supplied (codes image-*). */
  warnings: Warning[];
}

export interface PackEntryOptions {
  /**
   * Image bytes by destination as written in the markdown (`![x](images/a.png)` → key
   * "images/a.png"). A percent-decoded key or one without a leading "./" is found too. An
   * http(s) destination supplied here (fetched by an importer) is packed and linked locally.
   * Bytes that checkImage refuses are not packed (a warning says why; the link stays as written).
   */
  images?: Map<string, Uint8Array>;
  /**
   * The author's address (the account that publishes): named in the front matter, the static page
   * and metadata.json, so readers can tell the author's token from a copy. Default: the note's own
   * `author`, if any.
   */
  author?: string;
  /** CID of the entry this one revises (metadata.json links it as `previous`). */
  previous?: string;
  /** The app's public URL: metadata.json's `external_url` then opens the note there. */
  appUrl?: string;
}

const encoder = new TextEncoder();

/**
 * Pack a note and its images as an entry directory and compute its CID locally.
 * @param note the note (it is normalized first; see normalizeNote)
 * @param options images by destination as written in the markdown
 * @returns files, CID, digest, packed note, warnings
 * @throws InvalidNoteError without a title; NoteTooLargeError, EntryTooLargeError over the limits
 * @example const { cid, digest, files } = await packEntry(parseNote(markdown), { images })
 */
export async function packEntry(note: Note, options: PackEntryOptions = {}): Promise<PackedEntry> {
  const canonical = normalizeNote(note);
  if (canonical.title === "") throw new InvalidNoteError("The note has no title: add `title:` to its front matter or start it with a `# Heading`.");
  const sourceSize = encoder.encode(serializeNote(canonical)).byteLength;
  if (sourceSize > MAX_NOTE_MARKDOWN_BYTES) throw new NoteTooLargeError(sourceSize, MAX_NOTE_MARKDOWN_BYTES);

  const warnings: Warning[] = [];
  const images = options.images ?? new Map<string, Uint8Array>();
  const { rename, files: imageFiles } = await placeImages(canonical.body, images, warnings);
  const author = options.author === undefined ? canonical.author : options.author.trim().toLowerCase();
  const previous = options.previous === undefined ? undefined : previousCid(options.previous);
  const packedNote: Note = normalizeNote({
    ...canonical,
    ...(author !== undefined ? { author } : {}),
    body: rewriteImageDestinations(canonical.body, (destination) => rename.get(destination)),
  });

  const markdown = encoder.encode(serializeNote(packedNote));
  if (markdown.byteLength > MAX_NOTE_MARKDOWN_BYTES) throw new NoteTooLargeError(markdown.byteLength, MAX_NOTE_MARKDOWN_BYTES);
  const card = encoder.encode(renderCardSvg(packedNote));
  const html = encoder.encode(renderEntryPage(packedNote, { markdown: ENTRY_FILES.markdown, metadata: ENTRY_FILES.metadata }));
  const metadata: EntryMetadata = buildEntryMetadata({
    title: packedNote.title,
    ...(packedNote.date !== undefined ? { date: packedNote.date } : {}),
    tags: packedNote.tags,
    description: excerpt(packedNote),
    ...(packedNote.id !== undefined ? { id: packedNote.id } : {}),
    ...(packedNote.author !== undefined ? { author: packedNote.author } : {}),
    ...(previous !== undefined ? { previous } : {}),
    ...(options.appUrl !== undefined ? { appUrl: options.appUrl } : {}),
    cardCid: (await fileCid(card)).toString(),
    htmlCid: (await fileCid(html)).toString(),
    markdownCid: (await fileCid(markdown)).toString(),
    files: {
      markdown: ENTRY_FILES.markdown,
      html: ENTRY_FILES.html,
      card: ENTRY_FILES.card,
      images: imageFiles.map((file) => file.path),
    },
  });
  const metadataJson = encoder.encode(`${JSON.stringify(metadata, null, 2)}\n`);
  if (metadataJson.byteLength > MAX_METADATA_BYTES)
    throw new InvalidNoteError(
      `The entry's metadata.json would be ${metadataJson.byteLength} bytes; readers take at most ${MAX_METADATA_BYTES}. Shorten the title, or use fewer tags or images.`,
    );
  const files: EntryFile[] = [
    { path: ENTRY_FILES.card, content: card },
    { path: ENTRY_FILES.html, content: html },
    { path: ENTRY_FILES.markdown, content: markdown },
    { path: ENTRY_FILES.metadata, content: metadataJson },
    ...imageFiles,
  ].sort((a, b) => compareBytes(encoder.encode(a.path), encoder.encode(b.path)));

  const total = files.reduce((sum, file) => sum + file.content.byteLength, 0);
  if (total > MAX_ENTRY_BYTES) throw new EntryTooLargeError(total, MAX_ENTRY_BYTES);

  const cid = await directoryCid(files);
  return { files, cid: cid.toString(), digest: cidToDigest(cid), note: packedNote, warnings };
}

/** CID of entry files wrapped in a directory, as `ipfs add -r -w --cid-version=1` gives it. */
export async function directoryCid(files: EntryFile[]): Promise<CID> {
  let root: CID | undefined;
  for await (const entry of importer(
    files.map((file) => ({ path: file.path, content: file.content })),
    discardingBlockstore,
    entryImporterOptions(true),
  )) {
    root = entry.cid;
  }
  if (root === undefined) throw new InvalidNoteError("An entry needs at least one file.");
  return root;
}

/** CID of one file on its own, as `ipfs add --cid-version=1` gives it. */
export async function fileCid(content: Uint8Array): Promise<CID> {
  let root: CID | undefined;
  for await (const entry of importer([{ content }], discardingBlockstore, entryImporterOptions(false))) root = entry.cid;
  return root!;
}

/** Only CIDs are needed here; the blocks are made again by whichever node pins the files. */
const discardingBlockstore = { put: async (cid: CID) => cid };

function lookupImage(images: Map<string, Uint8Array>, destination: string): Uint8Array | undefined {
  const candidates = [destination, safeDecode(destination)];
  for (const candidate of [...candidates]) candidates.push(candidate.replace(/^(?:\.\/)+/, ""));
  for (const candidate of candidates) {
    const found = images.get(candidate);
    if (found) return found;
  }
  return undefined;
}

async function placeImages(body: string, images: Map<string, Uint8Array>, warnings: Warning[]) {
  const rename = new Map<string, string>();
  const byPath = new Map<string, Uint8Array>();
  const references = findImageReferences(body);
  for (const reference of references) {
    if (!reference.local && !isSafeImageUrl(reference.destination)) {
      warnings.push({
        code: "image-unsafe-url",
        image: reference.destination,
        message: `Image "${reference.destination}" will not be shown: images must be http(s) or ipfs URLs, or files beside the note.`,
      });
    }
  }
  const supplied = references
    .filter((reference) => reference.local || (/^https?:\/\//i.test(reference.destination) && lookupImage(images, reference.destination) !== undefined))
    .map((reference) => reference.destination)
    .sort((a, b) => compareBytes(encoder.encode(a), encoder.encode(b)));
  for (const destination of supplied) {
    const content = lookupImage(images, destination);
    if (!content) {
      warnings.push({
        code: "image-missing",
        image: destination,
        message: `Image "${destination}" is referenced but was not supplied; the link is kept as written.`,
      });
      continue;
    }
    const check = checkImage(content);
    if (!check.ok) {
      warnings.push({
        code: "image-refused",
        image: destination,
        message: `Image "${destination}" is not packed: ${check.reason}; the link is kept as written.`,
      });
      continue;
    }
    const name = nameForImageType(imageFileName(destination), check.type);
    let path = `${ENTRY_FILES.imagesFolder}/${name}`;
    const taken = byPath.get(path);
    if (taken && !equalBytes(taken, content)) {
      const hash = toHex((await sha256.digest(content)).digest).slice(0, 8);
      const dot = name.lastIndexOf(".");
      path = `${ENTRY_FILES.imagesFolder}/${dot > 0 ? `${name.slice(0, dot)}-${hash}${name.slice(dot)}` : `${name}-${hash}`}`;
    }
    byPath.set(path, content);
    rename.set(destination, path);
  }
  const files = [...byPath].map(([path, content]) => ({ path, content }));
  return { rename, files };
}

/** The base name of an image destination reduced to [A-Za-z0-9._-]. */
function imageFileName(destination: string): string {
  const decoded = safeDecode(destination).split(/[?#]/)[0];
  const base = decoded.split(/[/\\]/).pop() ?? "";
  const name = base
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+/, "")
    .slice(-100);
  return name === "" || /^\.*$/.test(name) || name.startsWith(".") ? `image${name.replace(/^\.+/, ".")}`.replace(/\.$/, "") : name;
}

function excerpt(note: Note): string {
  const text = markdownToPlainText(note.body, { omitLeadingTitle: note.title });
  if (text === "") return note.title;
  const chars = [...text];
  if (chars.length <= DESCRIPTION_MAX_CHARS) return text;
  const cut = chars.slice(0, DESCRIPTION_MAX_CHARS - 1).join("");
  const space = cut.lastIndexOf(" ");
  return `${(space > DESCRIPTION_MAX_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, "")}…`;
}

/** The predecessor's CID, canonical (CIDv1 base32). */
function previousCid(text: string): string {
  try {
    return CID.parse(text.trim().replace(/^ipfs:\/\//, ""))
      .toV1()
      .toString();
  } catch (cause) {
    throw new InvalidNoteError(`"${text}" is not the CID of the entry being revised (expected bafy…).`, { cause });
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
