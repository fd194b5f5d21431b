/**
 * What the static site is built from: verified entries and the site's settings. Pure data, so the
 * same entries and settings always give the same site, byte for byte.
 */
import type { Note } from "../entry/note.ts";

export interface SiteEntry {
  tokenId: bigint;
  cid: string;
  /** The registry's record of the author (checksummed or not; compared in lower case). */
  author: string;
  /** Position in the registry's events, oldest first (as `til ls` numbers it). */
  sequence: number;
  /** When the token was minted: the block's timestamp, ISO 8601 in UTC. */
  publishedAt: string;
  /** The note parsed from the entry's verified index.md (never its index.html). */
  note: Note;
  /** The entry's images that passed checkImage, with their verified bytes, by path inside the entry (`images/...`). */
  images: { path: string; bytes: Uint8Array }[];
}

export interface SiteConfig {
  title: string;
  description: string;
  /** Absolute URL of the site's root with a trailing slash; feeds and the sitemap need it for absolute links. */
  baseUrl?: string;
  /** Display names by lower-case address. */
  authorNames: Record<string, string>;
  chainId: number;
  registry: string;
  /** Base URL of a public gateway for the verification links, e.g. `https://dweb.link`. */
  publicGateway: string;
}

export interface SiteFile {
  /** Relative path inside the site, `/`-separated, e.g. `tags/sql-0123456789abcdef/index.html`. */
  path: string;
  bytes: Uint8Array;
}

export const ENTRIES_PER_PAGE = 50;
/** Entries per feed: the newest this many. */
export const ENTRIES_PER_FEED = 100;

/** Newest first by the note's date (undated last), then by publishing time, then token id: a total order. */
export function compareNewestFirst(a: SiteEntry, b: SiteEntry): number {
  const da = a.note.date ?? "";
  const db = b.note.date ?? "";
  if (da !== db) return da < db ? 1 : -1;
  if (a.publishedAt !== b.publishedAt) return a.publishedAt < b.publishedAt ? 1 : -1;
  return a.tokenId === b.tokenId ? a.sequence - b.sequence : a.tokenId < b.tokenId ? 1 : -1;
}

/** The entry's stable id in every feed: chain, registry and token (the CID is named beside it). */
export function entryUrn(config: SiteConfig, entry: SiteEntry): string {
  return `urn:til:${config.chainId}:${config.registry.toLowerCase()}:${entry.tokenId}`;
}

/** The entry page's folder, relative to the root, with a trailing slash. */
export function entryDir(entry: SiteEntry): string {
  return `entries/${entry.tokenId}/`;
}

export function authorDir(author: string): string {
  return `authors/${author.toLowerCase()}/`;
}

export function authorName(config: SiteConfig, author: string): string {
  return config.authorNames[author.toLowerCase()] ?? author;
}
