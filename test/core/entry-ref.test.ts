/**
 * Entry references (core/contract/entry-ref.ts), as `til show` and the app's `#/entry/<ref>` take
 * them: #N and small decimals are sequence numbers, larger decimals and 0x hex token ids, the rest
 * entry CIDs (normalised to CIDv1 base32), anything else refused by name.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { InvalidEntryRefError, parseEntryRef, SEQUENCE_LIMIT } from "#core/contract/entry-ref.ts";

/** The empty UnixFS directory: CIDv1 dag-pb sha2-256. */
const EMPTY_DIR_V1 = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";

describe("parseEntryRef", () => {
  it("reads #N and a bare decimal below 2^64 as the sequence number `til ls` prints", () => {
    assert.deepEqual(parseEntryRef("#4"), { kind: "sequence", sequence: 4n });
    assert.deepEqual(parseEntryRef(" 4 "), { kind: "sequence", sequence: 4n });
    assert.deepEqual(parseEntryRef((SEQUENCE_LIMIT - 1n).toString()), { kind: "sequence", sequence: SEQUENCE_LIMIT - 1n });
    assert.deepEqual(parseEntryRef(`#${SEQUENCE_LIMIT}`), { kind: "sequence", sequence: SEQUENCE_LIMIT });
  });

  it("reads a decimal from 2^64 up, and 0x hex of any size, as a token id", () => {
    const id = 0x5f63415106bc4770433bdbf0883c6e8dd55f03eaeb76ee0d8658c8abd2666404n;
    assert.deepEqual(parseEntryRef(id.toString()), { kind: "token", tokenId: id });
    assert.deepEqual(parseEntryRef(SEQUENCE_LIMIT.toString()), { kind: "token", tokenId: SEQUENCE_LIMIT });
    assert.deepEqual(parseEntryRef(`0x${id.toString(16)}`), { kind: "token", tokenId: id });
    assert.deepEqual(parseEntryRef("0x4"), { kind: "token", tokenId: 4n });
  });

  it("reads an entry CID in any base, or as CIDv0, as its CIDv1 base32", () => {
    assert.deepEqual(parseEntryRef(EMPTY_DIR_V1), { kind: "cid", cid: EMPTY_DIR_V1 });
    const v0 = CID.parse(EMPTY_DIR_V1).toV0().toString();
    assert.deepEqual(parseEntryRef(v0), { kind: "cid", cid: EMPTY_DIR_V1 });
    assert.deepEqual(parseEntryRef(CID.parse(EMPTY_DIR_V1).toString(base58btc)), { kind: "cid", cid: EMPTY_DIR_V1 });
  });

  it("refuses anything else with InvalidEntryRefError, naming the forms it takes and why the CID is not one", () => {
    for (const bad of ["", "#", "#-1", "0x", `0x${"f".repeat(65)}`, "hello", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"]) {
      const error = (() => {
        try {
          parseEntryRef(bad);
        } catch (e) {
          return e;
        }
      })();
      assert.ok(error instanceof InvalidEntryRefError, `${JSON.stringify(bad)} refused`);
      assert.equal(error.name, "InvalidEntryRefError");
      assert.match(error.message, /neither an entry number \(#4\), a token id \(decimal or 0x hex\) nor an entry CID/);
    }
    assert.throws(() => parseEntryRef("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"), /is not an entry CID: entries are CIDv1 dag-pb/);
  });
});
