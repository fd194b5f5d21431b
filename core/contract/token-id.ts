/**
 * Registry v2 token ids, the off-chain half of the contract's `tokenIdFor`: an entry's id is its
 * author's address followed by the top 96 bits of its first version's digest,
 * `uint160(author) << 96 | digest >> 160`. Ids are partitioned by author, so nobody can take or
 * block another author's id; the same CID published by other accounts gives other tokens (copies),
 * and {@link pickEntryToken} says which token of a CID is *the* entry. Browser-safe.
 */
import { getAddress, type Address } from "viem";
import { normalizeDigest } from "../cid.ts";

/** The token id `author` gets for publishing `digest` (whether or not it exists). */
export function entryTokenId(author: string, digest: string): bigint {
  return (BigInt(getAddress(author)) << 96n) | (BigInt(normalizeDigest(digest)) >> 160n);
}

/** The author a token id names (its top 160 bits); the registry enforces that only they minted it. */
export function authorOfTokenId(tokenId: bigint): Address {
  return getAddress(`0x${(tokenId >> 96n).toString(16).padStart(40, "0")}`);
}

/** One token of a CID and its on-chain author. */
export interface TokenOfCid {
  tokenId: bigint;
  author: Address;
}

/**
 * Which token of a CID is the entry, and which are copies. Anyone can publish any CID, so the
 * entry is the token whose on-chain author is the author the content names (format v2's
 * `author`); every other token of the CID is a copy by its own author. Content that names no
 * author (format v1) has no such proof: the oldest token (first in `tokens`) is shown as the
 * entry, and the rest as copies. Content naming an author who has no token of it: no entry, all copies.
 */
export function pickEntryToken<T extends TokenOfCid>(tokens: readonly T[], namedAuthor?: string): { entry: T | undefined; copies: T[] } {
  if (namedAuthor === undefined) return { entry: tokens[0], copies: tokens.slice(1) };
  const named = namedAuthor.toLowerCase();
  const entry = tokens.find((t) => t.author.toLowerCase() === named);
  return { entry, copies: tokens.filter((t) => t !== entry) };
}
