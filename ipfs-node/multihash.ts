/**
 * The multihash functions the node hashes blocks with, by the names Kubo takes (`block put
 * --mhtype`): sha2-256 (the default), sha2-512 and blake3 (32-byte digests, as Kubo's default
 * blake3 length). Blocks are stored by multihash, so any of them is stored and served alike.
 */
import { blake3 as blake3Hash } from "@noble/hashes/blake3.js";
import type { MultihashHasher } from "multiformats/hashes/interface";
import { from } from "multiformats/hashes/hasher";
import { sha256, sha512 } from "multiformats/hashes/sha2";
import { InvalidArgumentError, UnsupportedError } from "./errors.ts";

/** blake3 with the 32-byte digest Kubo uses by default (multicodec 0x1e). */
export const blake3 = from({ name: "blake3", code: 0x1e, encode: (bytes: Uint8Array) => blake3Hash(bytes) });

const HASHERS: Record<string, MultihashHasher> = { "sha2-256": sha256, "sha2-512": sha512, blake3 };

/** Names Kubo knows (go-multihash) that this node does not hash with. */
const KNOWN_ELSEWHERE = new Set([
  "identity",
  "sha1",
  "sha3-224",
  "sha3-256",
  "sha3-384",
  "sha3-512",
  "keccak-224",
  "keccak-256",
  "keccak-384",
  "keccak-512",
  "blake2b-256",
  "blake2b-512",
  "blake2s-256",
  "shake-128",
  "shake-256",
  "murmur3-x64-64",
  "md5",
  "dbl-sha2-256",
  "sha2-256-trunc254-padded",
  "sha2-224",
  "sha2-512-224",
  "sha2-512-256",
  "x11",
  "poseidon-bls12_381-a2-fc1",
]);

/** Whether go-multihash (so Kubo) knows the name, whether or not this node hashes with it. */
export function isKnownMultihashName(name: string): boolean {
  return Object.hasOwn(HASHERS, name) || KNOWN_ELSEWHERE.has(name);
}

/** The hasher for a multihash name as go-multihash spells it; Kubo's error for an unknown one. */
export function hasherNamed(name: string): MultihashHasher {
  const hasher = Object.hasOwn(HASHERS, name) ? HASHERS[name] : undefined;
  if (hasher) return hasher;
  if (KNOWN_ELSEWHERE.has(name)) throw new UnsupportedError(`hash function "${name}" is not supported by this node; use sha2-256, sha2-512 or blake3.`);
  throw new InvalidArgumentError(`unrecognized multihash function: ${name}`);
}
