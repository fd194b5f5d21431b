/**
 * A set of blocks, by multihash, in 12 bytes per block: a hash table of 96-bit keys in one typed
 * array (open addressing, linear probing). 1,000,000 blocks take 24 MB at most (the table doubles
 * at half load), where a `Set` of CID strings takes several hundred bytes per block.
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

export class DigestSet {
  #table: Uint32Array;
  #mask: number;
  #size = 0;

  constructor(initialSlots = 1024) {
    let slots = 16;
    while (slots < initialSlots) slots *= 2;
    this.#table = new Uint32Array(slots * WORDS);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  has(multihash: MultihashDigest): boolean {
    const key = keyWords(multihash);
    return this.#find(this.#table, this.#mask, key) >= 0;
  }

  /** Adds the block; false if it was there already. */
  add(multihash: MultihashDigest): boolean {
    const key = keyWords(multihash);
    if (this.#find(this.#table, this.#mask, key) >= 0) return false;
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    insert(this.#table, this.#mask, key);
    this.#size++;
    return true;
  }

  /** Index of the key's slot, or -1. */
  #find(table: Uint32Array, mask: number, key: Uint32Array): number {
    let slot = key[0] & mask;
    while (true) {
      const at = slot * WORDS;
      if (table[at] === 0 && table[at + 1] === 0 && table[at + 2] === 0) return -1;
      if (table[at] === key[0] && table[at + 1] === key[1] && table[at + 2] === key[2]) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.#table;
    const slots = (this.#mask + 1) * 2;
    const table = new Uint32Array(slots * WORDS);
    const mask = slots - 1;
    for (let at = 0; at < old.length; at += WORDS) {
      if (old[at] === 0 && old[at + 1] === 0 && old[at + 2] === 0) continue;
      insert(table, mask, old.subarray(at, at + WORDS));
    }
    this.#table = table;
    this.#mask = mask;
  }
}

function insert(table: Uint32Array, mask: number, key: Uint32Array): void {
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
