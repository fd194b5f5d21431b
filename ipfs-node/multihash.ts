/**
 * Kubo's names and errors for the multihash functions: the node hashes blocks with those of
 * core/multihash.ts (sha2-256, the default, sha2-512 and blake3); blocks are stored by multihash,
 * so any of them is stored and served alike.
 */
import type { MultihashHasher } from "multiformats/hashes/interface";
import { MULTIHASH_HASHERS } from "#core/multihash.ts";
import { InvalidArgumentError, UnsupportedError } from "./errors.ts";

const HASHERS = MULTIHASH_HASHERS;

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
