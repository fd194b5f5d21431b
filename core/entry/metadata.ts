/**
 * An entry's `metadata.json` (the token metadata wallets and marketplaces read) and the
 * collection's metadata (ERC-7572 `contractURI`): the one home of both shapes, their writers and
 * the reader of every format version. Browser-safe.
 *
 * Format versions (`properties.format`):
 * - `til-entry/1`: name, description, image, attributes; properties title, date, tags, files,
 *   markdown. Still read: nothing in it names the author or the note's identity.
 * - `til-entry/2`: the ERC-721 metadata JSON schema's name, description, image, plus the common
 *   marketplace fields `animation_url` (the entry's static index.html), `external_url` (the app's
 *   page of the note, when a public app URL is configured) and `attributes`; properties add `id`
 *   (the note's identity, note-identity.ts), `author` (the author's address, also in the front
 *   matter and the static page) and, for a revision, `previous` (the predecessor revision's CID,
 *   `ipfs://` form), so a token's history is verifiable off-chain, revision by revision.
 */
import { noteKey } from "./note-identity.ts";

const ENTRY_FORMAT_V1 = "til-entry/1";
const ENTRY_FORMAT_V2 = "til-entry/2";
/** The format {@link buildEntryMetadata} writes. */
const ENTRY_FORMAT = ENTRY_FORMAT_V2;

/** One marketplace attribute (OpenSea's `trait_type` / `value`). */
interface EntryAttribute {
  trait_type: string;
  value: string;
}

/** Paths inside the entry directory, as metadata lists them. */
interface EntryFileList {
  markdown: string;
  html: string;
  card: string;
  images: string[];
}

/** metadata.json as {@link buildEntryMetadata} writes it (format v2). */
export interface EntryMetadata {
  name: string;
  description: string;
  /** The card: `ipfs://<CID of card.svg>`. */
  image: string;
  /** The static page: `ipfs://<CID of index.html>`. */
  animation_url: string;
  external_url?: string;
  attributes: EntryAttribute[];
  properties: {
    format: typeof ENTRY_FORMAT_V2;
    title: string;
    date?: string;
    tags: string[];
    /** The note's identity (note-identity.ts). */
    id?: string;
    /** The author's address, lower case. */
    author?: string;
    /** The predecessor revision's entry, `ipfs://<CID>` (absent on a first publish). */
    previous?: string;
    files: EntryFileList;
    /** CID of index.md on its own (`ipfs://` form), for readers that only get this JSON. */
    markdown: string;
  };
}

/** The note's fields metadata.json carries, as readers take them and as the writer is given them. */
interface EntryFields {
  title: string;
  date?: string;
  tags: string[];
  description: string;
  id?: string;
  author?: string;
  /** The predecessor revision's CID (bare, without `ipfs://`). */
  previous?: string;
}

/** What readers take from a metadata.json of any format (defensive: it is a stranger's JSON). */
export interface EntryMetadataView extends EntryFields {
  /** 1 or 2; 0 when the format is unknown (read as v1, field by field). */
  version: 0 | 1 | 2;
}

export interface EntryMetadataInput extends EntryFields {
  cardCid: string;
  htmlCid: string;
  markdownCid: string;
  files: EntryFileList;
  /** The app's public URL (e.g. `https://til.example/`): `external_url` links the note's page there. */
  appUrl?: string;
}

/** The entry's metadata (format v2), keys in a fixed order so the bytes are deterministic. */
export function buildEntryMetadata(input: EntryMetadataInput): EntryMetadata {
  const external =
    input.appUrl !== undefined && input.author !== undefined && input.id !== undefined ? noteAppUrl(input.appUrl, input.author, input.id) : undefined;
  return {
    name: input.title,
    description: input.description,
    image: `ipfs://${input.cardCid}`,
    animation_url: `ipfs://${input.htmlCid}`,
    ...(external !== undefined ? { external_url: external } : {}),
    attributes: [
      ...(input.date !== undefined ? [{ trait_type: "Date", value: input.date }] : []),
      ...input.tags.map((tag) => ({ trait_type: "Tag", value: tag })),
      ...(input.author !== undefined ? [{ trait_type: "Author", value: input.author }] : []),
      ...(input.previous !== undefined ? [{ trait_type: "Revision of", value: input.previous }] : []),
    ],
    properties: {
      format: ENTRY_FORMAT_V2,
      title: input.title,
      ...(input.date !== undefined ? { date: input.date } : {}),
      tags: input.tags,
      ...(input.id !== undefined ? { id: input.id } : {}),
      ...(input.author !== undefined ? { author: input.author } : {}),
      ...(input.previous !== undefined ? { previous: `ipfs://${input.previous}` } : {}),
      files: input.files,
      markdown: `ipfs://${input.markdownCid}`,
    },
  };
}

/**
 * The app's page of a note, stable across its revisions: `<appUrl>#/note/<author>/<noteKey>` (the
 * app opens the latest revision of the author's token with that key). An entry cannot link its own
 * CID or token id, which depend on its bytes.
 */
export function noteAppUrl(appUrl: string, author: string, id: string): string {
  const base = appUrl.split("#")[0];
  return `${base.endsWith("/") ? base : `${base}/`}#/note/${author.toLowerCase()}/${noteKey(id)}`;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The fields readers use from a metadata.json of any format; wrong-typed fields are left out. */
export function readEntryMetadata(value: unknown): EntryMetadataView {
  const record = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const raw = record.properties;
  const p = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const format = str(p.format);
  const version = format === ENTRY_FORMAT_V2 ? 2 : format === ENTRY_FORMAT_V1 ? 1 : 0;
  const author = str(p.author)?.toLowerCase();
  const previous = str(p.previous)?.replace(/^ipfs:\/\//, "");
  const date = str(p.date);
  return {
    version,
    title: str(p.title) || str(record.name) || "(untitled)",
    ...(date !== undefined && DATE.test(date) ? { date } : {}),
    tags: Array.isArray(p.tags) ? p.tags.filter((t): t is string => typeof t === "string") : [],
    description: str(record.description) ?? "",
    ...(version === 2 && str(p.id) ? { id: str(p.id) } : {}),
    ...(version === 2 && author !== undefined && ADDRESS.test(author) ? { author } : {}),
    ...(version === 2 && previous !== undefined && /^[a-z2-7]{20,100}$/.test(previous) ? { previous } : {}),
  };
}

/** The collection's metadata, as ERC-7572 `contractURI()` points to it (OpenSea's contract-level fields). */
export interface CollectionMetadata {
  name: string;
  description: string;
  image?: string;
  external_link?: string;
  /** The project's own: which entry format the tokens' metadata follows. */
  properties: { entryFormat: typeof ENTRY_FORMAT; registry?: string; chainId?: number };
}

/**
 * The registry's collection metadata (ERC-7572), to serve as JSON from the URI `contractURI()`
 * returns (a `data:application/json;utf8,` URI or an IPFS file: {@link collectionMetadataDataUri}).
 */
export function collectionMetadata(
  input: { name?: string; description?: string; image?: string; appUrl?: string; registry?: string; chainId?: number } = {},
): CollectionMetadata {
  return {
    name: input.name ?? "Today I Learned",
    description:
      input.description ??
      "Short notes of things learned, each an IPFS content address minted to its author. Every revision of a note stays readable and verifiable; the entry names its author inside its content.",
    ...(input.image !== undefined ? { image: input.image } : {}),
    ...(input.appUrl !== undefined ? { external_link: input.appUrl } : {}),
    properties: {
      entryFormat: ENTRY_FORMAT,
      ...(input.registry !== undefined ? { registry: input.registry.toLowerCase() } : {}),
      ...(input.chainId !== undefined ? { chainId: input.chainId } : {}),
    },
  };
}

/** The collection metadata as a `data:` URI (what a contract can return from `contractURI()` with no server). */
export function collectionMetadataDataUri(metadata: CollectionMetadata): string {
  return `data:application/json;utf8,${encodeURIComponent(JSON.stringify(metadata))}`;
}
