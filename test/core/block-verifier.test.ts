/**
 * The one check of a block's bytes against its CID (core/multihash.ts `blockVerifier`), used by
 * the readers (core/retrieve) and by the node for blocks peers send over Bitswap: bytes must hash
 * to the CID with the CID's own function. A sender that names another function with the same
 * digest (identity, whose "digest" is the bytes themselves) is not believed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import { blake3, blockVerifier, UnsupportedMultihashError } from "#core/multihash.ts";

const bytes = new TextEncoder().encode("a block from a stranger\n");

describe("blockVerifier", () => {
  it("accepts the bytes that hash to the CID, with sha2-256 and blake3", async () => {
    for (const hasher of [sha256, blake3]) {
      const cid = CID.createV1(raw.code, await hasher.digest(bytes));
      assert.equal(await blockVerifier(cid)(bytes), true, hasher.name);
    }
  });

  it("refuses other bytes, a truncated copy, and the digest itself sent as the block (what an identity prefix would claim)", async () => {
    const digest = await sha256.digest(bytes);
    const matches = blockVerifier(CID.createV1(raw.code, digest));
    assert.equal(await matches(new TextEncoder().encode("a block from a stranger!\n")), false);
    assert.equal(await matches(bytes.subarray(1)), false);
    assert.equal(await matches(digest.digest), false);
    // the identity CID of those 32 bytes has the same digest as the sha2-256 CID: only the function tells them apart
    assert.deepEqual(identity.digest(digest.digest).digest, digest.digest);
  });

  it("refuses at once, by name, a CID whose hash it cannot check (sha3-256, a 64-byte blake3)", () => {
    assert.throws(() => blockVerifier(CID.createV1(raw.code, createDigest(0x16, new Uint8Array(32)))), UnsupportedMultihashError);
    assert.throws(() => blockVerifier(CID.createV1(raw.code, createDigest(blake3.code, new Uint8Array(64)))), UnsupportedMultihashError);
  });
});
