/**
 * The ONE off-chain home of the entry address mapping (the on-chain half is contracts/EntryCID.sol).
 *
 * An entry is a UnixFS directory, so its CID is always CIDv1 + dag-pb (0x70) + sha2-256 (0x12) with
 * a 32-byte digest: the binary CID is the prefix 0x01701220 followed by the digest. Only the digest
 * is stored on-chain (`bytes32`). Token ids are not digests (registry v2): see core/contract/token-id.ts.
 *
 * Browser-safe: multiformats only.
 */
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { base32 } from "multiformats/bases/base32";
import { InvalidEntryCidError } from "./entry/errors.ts";
import { toHex } from "./bytes.ts";

/** dag-pb multicodec code. */
const DAG_PB_CODE = 0x70;
/** sha2-256 multihash code. */
const SHA2_256_CODE = 0x12;
/** Binary CIDv1 header of every entry: version 1, dag-pb, sha2-256, 32-byte digest. */
export const ENTRY_CID_PREFIX = "0x01701220";

/** A 32-byte digest as `0x` + 64 lower-case hex digits (Solidity `bytes32`). */
export type Digest = `0x${string}`;

const DIGEST_PATTERN = /^0x[0-9a-f]{64}$/;

/**
 * The sha2-256 digest of an entry CID.
 * @param cid a CIDv1 dag-pb sha2-256 (text or parsed); a CIDv0 (`Qm...`) is accepted as its v1 twin
 * @returns the digest as `0x` + 64 hex digits
 * @example cidToDigest("bafybei...") // "0x5d8f..."
 */
export function cidToDigest(cid: string | CID): Digest {
  const parsed = parseEntryCid(cid);
  return `0x${toHex(parsed.multihash.digest)}`;
}

/**
 * The entry CID (CIDv1, base32 text, "bafybei...") of a 32-byte sha2-256 digest.
 * @param digest `0x` + 64 hex digits (upper or lower case)
 */
export function digestToCid(digest: string): string {
  return digestToCidObject(digest).toString(base32);
}

/** Like {@link digestToCid}, as a multiformats CID object. */
function digestToCidObject(digest: string): CID {
  const bytes = fromHex(normalizeDigest(digest));
  return CID.createV1(DAG_PB_CODE, createDigest(SHA2_256_CODE, bytes));
}

/**
 * Parse and check an entry CID: CIDv1 (or v0, converted), dag-pb, sha2-256, 32-byte digest.
 * @throws InvalidEntryCidError if it is not one
 */
export function parseEntryCid(cid: string | CID): CID {
  let parsed: CID;
  try {
    parsed = typeof cid === "string" ? CID.parse(cid.trim()) : cid;
  } catch (cause) {
    throw new InvalidEntryCidError(`"${String(cid)}" is not a CID.`, { cause });
  }
  if (parsed.version === 0) parsed = parsed.toV1();
  if (parsed.code !== DAG_PB_CODE || parsed.multihash.code !== SHA2_256_CODE || parsed.multihash.digest.length !== 32) {
    throw new InvalidEntryCidError(
      `"${parsed.toString()}" is not an entry CID: entries are CIDv1 dag-pb (0x70) with a sha2-256 digest; this one has codec 0x${parsed.code.toString(16)} and hash 0x${parsed.multihash.code.toString(16)}.`,
    );
  }
  return parsed;
}

/** A digest as `0x` + 64 lower-case hex digits; throws InvalidEntryCidError for anything else or zero. */
export function normalizeDigest(digest: string): Digest {
  const lower = digest.trim().toLowerCase();
  if (!DIGEST_PATTERN.test(lower)) {
    throw new InvalidEntryCidError(`"${digest}" is not a 32-byte digest: write 0x followed by 64 hex digits.`);
  }
  if (/^0x0{64}$/.test(lower)) throw new InvalidEntryCidError("The zero digest is not the digest of any content.");
  return lower as Digest;
}

function fromHex(digest: Digest): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(digest.slice(2 + 2 * i, 4 + 2 * i), 16);
  return bytes;
}
