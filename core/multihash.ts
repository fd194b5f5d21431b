/**
 * The ONE home of the hash functions blocks are hashed and checked with, by the names Kubo uses
 * (`block put --mhtype`, `add --hash`): sha2-256 (the default), sha2-512 and blake3 (32-byte
 * digests, Kubo's default blake3 length). The node hashes with them (ipfs-node/multihash.ts adds
 * Kubo's names and errors) and the readers check gateway blocks with them (core/retrieve).
 *
 * Browser-safe: multiformats' sha2 (Node's crypto, or WebCrypto in a browser) and @noble/hashes.
 */
import { blake3 as blake3Hash } from "@noble/hashes/blake3.js";
import type { CID } from "multiformats/cid";
import type { MultihashHasher } from "multiformats/hashes/interface";
import { from } from "multiformats/hashes/hasher";
import { sha256, sha512 } from "multiformats/hashes/sha2";
import { equalBytes } from "./bytes.ts";

/** blake3 with the 32-byte digest Kubo uses by default (multicodec 0x1e). */
export const blake3 = from({ name: "blake3", code: 0x1e, encode: (bytes: Uint8Array) => blake3Hash(bytes) });

/** The supported hashers by Kubo's name. */
export const MULTIHASH_HASHERS: Readonly<Record<string, MultihashHasher>> = { "sha2-256": sha256, "sha2-512": sha512, blake3 };

/** Digest length of each supported hasher (a CID with another length, e.g. a longer blake3, is not checkable). */
const DIGEST_BYTES: Record<string, number> = { "sha2-256": 32, "sha2-512": 64, blake3: 32 };

const BY_CODE = new Map(Object.entries(MULTIHASH_HASHERS).map(([name, hasher]) => [hasher.code, { hasher, length: DIGEST_BYTES[name] }]));

/** Names of the supported hash functions, for messages ("sha2-256, sha2-512 or blake3"). */
export const SUPPORTED_MULTIHASH_NAMES = Object.keys(MULTIHASH_HASHERS);

/** A block's CID uses a hash function this code cannot check, so its bytes cannot be trusted. */
export class UnsupportedMultihashError extends Error {
  static name = "UnsupportedMultihashError";
  readonly code: number;
  constructor(cid: string, code: number, digestLength: number) {
    super(
      `Block ${cid} uses multihash function 0x${code.toString(16)} with a ${digestLength}-byte digest, which cannot be verified here (supported: ${SUPPORTED_MULTIHASH_NAMES.join(", ")}, at their full length); its bytes were not trusted.`,
    );
    this.name = "UnsupportedMultihashError";
    this.code = code;
  }
}

/** The hasher that checks a multihash of this code and digest length, or undefined when none here can. */
function hasherForCode(code: number, digestLength: number): MultihashHasher | undefined {
  const known = BY_CODE.get(code);
  return known?.length === digestLength ? known.hasher : undefined;
}

/**
 * The check of a block's bytes against its CID: they are hashed with the CID's own function and
 * compared with its digest (a sender naming another function with the same digest, e.g. identity
 * with the digest as the bytes, is not believed). {@link UnsupportedMultihashError} at once when no
 * hasher here can check the CID, before anything is fetched.
 */
export function blockVerifier(cid: CID): (bytes: Uint8Array) => Promise<boolean> {
  const { code, digest } = cid.multihash;
  const hasher = hasherForCode(code, digest.byteLength);
  if (!hasher) throw new UnsupportedMultihashError(cid.toString(), code, digest.byteLength);
  return async (bytes) => equalBytes((await hasher.digest(bytes)).digest, digest);
}
