/**
 * What names an entry, in the CLI (`til show '#4'`) and in the app's URLs (`#/entry/<ref>`):
 * - `#N`: the entry with sequence number N (the number `til ls` prints);
 * - a bare decimal below 2^64: also a sequence number (sequence numbers are uint64 on-chain);
 * - a larger decimal, or 0x and 1 to 64 hex digits: a token id (token ids are digest-sized);
 * - anything else: an entry CID (CIDv1 dag-pb sha2-256, any base), normalised to base32.
 * Browser-safe.
 */
import { parseEntryCid } from "../cid.ts";

export type EntryRef = { kind: "sequence"; sequence: bigint } | { kind: "token"; tokenId: bigint } | { kind: "cid"; cid: string };

/** Sequence numbers are uint64 on-chain; a decimal at or above this is a token id. */
export const SEQUENCE_LIMIT = 1n << 64n;

/** Neither an entry number, a token id nor an entry CID; `message` says which forms are accepted. */
export class InvalidEntryRefError extends Error {
  static name = "InvalidEntryRefError";
  readonly ref: string;
  constructor(ref: string, options?: ErrorOptions) {
    super(
      `"${ref}" is neither an entry number (#4), a token id (decimal or 0x hex) nor an entry CID${options?.cause instanceof Error ? `: ${options.cause.message}` : ""}`,
      options,
    );
    this.name = "InvalidEntryRefError";
    this.ref = ref;
  }
}

/** Parses an entry reference (see the module comment); throws {@link InvalidEntryRefError}. */
export function parseEntryRef(ref: string): EntryRef {
  const text = ref.trim();
  const number = /^(#?)(\d+)$/.exec(text);
  if (number) {
    const value = BigInt(number[2]);
    return number[1] === "#" || value < SEQUENCE_LIMIT ? { kind: "sequence", sequence: value } : { kind: "token", tokenId: value };
  }
  if (/^0x[0-9a-fA-F]{1,64}$/.test(text)) return { kind: "token", tokenId: BigInt(text) };
  try {
    return { kind: "cid", cid: parseEntryCid(text).toString() };
  } catch (error) {
    throw new InvalidEntryRefError(ref, { cause: error });
  }
}
