import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress } from "viem";
import { authorOfTokenId, entryTokenId, pickEntryToken } from "#core/contract/token-id.ts";

const ALICE = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const BOB = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
const DIGEST = `0x${"ab".repeat(12)}${"cd".repeat(20)}`;

describe("registry v2 token ids", () => {
  it("are the author followed by the top 96 bits of the digest, and give the author back", () => {
    const id = entryTokenId(ALICE.toLowerCase(), DIGEST);
    assert.equal(id, BigInt(`${ALICE}${"ab".repeat(12)}`));
    assert.equal(authorOfTokenId(id), ALICE);
    assert.notEqual(entryTokenId(BOB, DIGEST), id, "another author's id of the same CID differs");
    assert.throws(() => entryTokenId(ALICE, "0x12"), { name: "InvalidEntryCidError" });
  });
});

describe("pickEntryToken", () => {
  const alice = { tokenId: 1n, author: ALICE };
  const bob = { tokenId: 2n, author: BOB };

  it("takes the token whose author the content names, whatever the order, and labels the rest copies", () => {
    assert.deepEqual(pickEntryToken([bob, alice], ALICE.toLowerCase()), { entry: alice, copies: [bob] });
    assert.deepEqual(pickEntryToken([alice, bob], BOB), { entry: bob, copies: [alice] });
  });

  it("has no entry when the named author has no token of the CID", () => {
    assert.deepEqual(pickEntryToken([bob], ALICE), { entry: undefined, copies: [bob] });
  });

  it("takes the oldest token for content that names no author (format v1)", () => {
    assert.deepEqual(pickEntryToken([bob, alice]), { entry: bob, copies: [alice] });
    assert.deepEqual(pickEntryToken([]), { entry: undefined, copies: [] });
  });
});
