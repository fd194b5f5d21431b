/**
 * A set of blocks, by multihash, in 12 bytes per block: hash tables of 96-bit keys in typed arrays
 * (open addressing, linear probing). 1,000,000 blocks take 24 MB at most (a table doubles at half
 * load), where a `Set` of CID strings takes several hundred bytes per block.
 *
 * The key of a sha2-256 multihash is the first 12 bytes of its digest; any other multihash is
 * hashed with SHA-256 first. Two blocks of a repo sharing a key would need a 96-bit collision
 * (odds about 10^-17 for a million blocks); where the set marks blocks to keep (gc), a collision
 * could only keep a garbage block.
 */
import { createHash } from "node:crypto";
import type { MultihashDigest } from "multiformats/hashes/interface";

const WORDS = 3;
const SHA2_256 = 0x12;
/**
 * The set is 64 tables, picked by the top bits of a key's second word, each growing on its own:
 * a table doubles at half load, and only that table is copied then, so growing never holds a
 * second copy of the whole set (one table doubling at 1,000,000 blocks: under 0.6 MB).
 */
const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
const FIRST_SLOTS = 16;

export class DigestSet {
  readonly #tables: Array<Uint32Array | undefined> = new Array(SHARDS);
  readonly #counts = new Uint32Array(SHARDS);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(multihash: MultihashDigest): boolean {
    const key = keyWords(multihash);
    const table = this.#tables[key[1] >>> (32 - SHARD_BITS)];
    return table !== undefined && find(table, key) >= 0;
  }

  /** Adds the block; false if it was there already. */
  add(multihash: MultihashDigest): boolean {
    const key = keyWords(multihash);
    const shard = key[1] >>> (32 - SHARD_BITS);
    let table = this.#tables[shard] ?? new Uint32Array(FIRST_SLOTS * WORDS);
    this.#tables[shard] = table;
    if (find(table, key) >= 0) return false;
    if ((this.#counts[shard] + 1) * 2 > table.length / WORDS) {
      table = grown(table);
      this.#tables[shard] = table;
    }
    insert(table, key);
    this.#counts[shard]++;
    this.#size++;
    return true;
  }
}

/** Index of the key's slot, or -1. */
function find(table: Uint32Array, key: Uint32Array): number {
  const mask = table.length / WORDS - 1;
  let slot = key[0] & mask;
  while (true) {
    const at = slot * WORDS;
    if (table[at] === 0 && table[at + 1] === 0 && table[at + 2] === 0) return -1;
    if (table[at] === key[0] && table[at + 1] === key[1] && table[at + 2] === key[2]) return slot;
    slot = (slot + 1) & mask;
  }
}

/** A table of twice the slots holding the same keys. */
function grown(old: Uint32Array): Uint32Array {
  const table = new Uint32Array(old.length * 2);
  for (let at = 0; at < old.length; at += WORDS) {
    if (old[at] === 0 && old[at + 1] === 0 && old[at + 2] === 0) continue;
    insert(table, old.subarray(at, at + WORDS));
  }
  return table;
}

function insert(table: Uint32Array, key: Uint32Array): void {
  const mask = table.length / WORDS - 1;
  let slot = key[0] & mask;
  while (table[slot * WORDS] !== 0 || table[slot * WORDS + 1] !== 0 || table[slot * WORDS + 2] !== 0) slot = (slot + 1) & mask;
  table.set(key, slot * WORDS);
}

const scratch = new Uint32Array(WORDS);
const scratchBytes = new Uint8Array(scratch.buffer);

/** The block's 96-bit key as three words (never all zero: zero marks an empty slot). */
function keyWords({ code, digest, bytes }: MultihashDigest): Uint32Array {
  const source = code === SHA2_256 && digest.byteLength >= 12 ? digest : createHash("sha256").update(bytes).digest();
  scratchBytes.set(source.subarray(0, 12));
  if (scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0) scratch[2] = 1;
  return scratch;
}
