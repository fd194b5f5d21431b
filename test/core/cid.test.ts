import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import * as dagPb from "@ipld/dag-pb";
import { cidToDigest, digestToCid, ENTRY_CID_PREFIX, parseEntryCid } from "#core/cid.ts";
import { InvalidEntryCidError } from "#core/entry/errors.ts";

// An empty UnixFS directory; its CIDv1 is well known.
const EMPTY_DIR_V1 = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";
const EMPTY_DIR_V0 = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";

describe("core/cid", () => {
  it("matches the prefix of contracts/EntryCID.sol", () => {
    const solidity = readFileSync(new URL("../../contracts/EntryCID.sol", import.meta.url), "utf8");
    assert.match(solidity, new RegExp(`PREFIX = ${ENTRY_CID_PREFIX};`));
    const bytes = CID.parse(EMPTY_DIR_V1).bytes;
    assert.equal(`0x${Buffer.from(bytes.subarray(0, 4)).toString("hex")}`, ENTRY_CID_PREFIX);
  });

  it("maps a CID to the sha2-256 of its block and back", async () => {
    const block = dagPb.encode({ Data: new Uint8Array([8, 1]), Links: [] });
    const digest = `0x${Buffer.from((await sha256.digest(block)).digest).toString("hex")}`;
    assert.equal(cidToDigest(EMPTY_DIR_V1), digest);
    assert.equal(digestToCid(digest), EMPTY_DIR_V1);
    assert.equal(digestToCid(digest.toUpperCase().replace("0X", "0x")), EMPTY_DIR_V1);
  });

  it("accepts a CIDv0 as its v1 twin", () => {
    assert.equal(cidToDigest(EMPTY_DIR_V0), cidToDigest(EMPTY_DIR_V1));
  });

  it("refuses what is not an entry CID or digest", () => {
    const raw = "bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4";
    assert.throws(() => cidToDigest(raw), { name: "InvalidEntryCidError", message: /codec 0x55/ });
    assert.throws(() => parseEntryCid("not a cid"), InvalidEntryCidError);
    assert.throws(() => digestToCid("0x1234"), InvalidEntryCidError);
    assert.throws(() => digestToCid(`0x${"0".repeat(64)}`), InvalidEntryCidError);
  });
});
