/**
 * core/unixfs/kubo-importer.ts, in process: the one definition of Kubo's importer options builds
 * Kubo's HAMT-sharded directories (Kubo's t0260-sharding.sh vectors, where Kubo shards every
 * directory) and refuses chunkers it cannot reproduce.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { importer, type WritableStorage } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";
import { kuboImporterOptions, parseKuboChunker } from "#core/unixfs/kubo-importer.ts";

/** Kubo's sharness test data: testdata/file1 .. file2000, each holding its number and a newline. */
const testdata = () => Array.from({ length: 2000 }, (_, i) => ({ path: `testdata/file${i + 1}`, content: new TextEncoder().encode(`${i + 1}\n`) }));

/** Only the CIDs matter here: blocks are hashed and dropped. */
const hashOnly = { put: async (cid: CID) => cid } as unknown as WritableStorage;

async function rootCid(options: Parameters<typeof importer>[2]): Promise<string> {
  let root = "";
  for await (const entry of importer(testdata(), hashOnly, options)) root = entry.cid.toString();
  return root;
}

describe("kuboImporterOptions", () => {
  it("builds Kubo's HAMT-sharded directory (Kubo: QmSCJD1..., sharding forced)", async () => {
    assert.equal(await rootCid({ ...kuboImporterOptions(), shardSplitThresholdBytes: 1 }), "QmSCJD1KYLhVVHqBK3YyXuoEqHt7vggyJhzoFYbT8v1XYL");
  });
  it("builds Kubo's CIDv1 HAMT-sharded directory with raw leaves (Kubo: zdj7WY8a...)", async () => {
    assert.equal(
      await rootCid({ ...kuboImporterOptions({ cidVersion: 1 }), shardSplitThresholdBytes: 1 }),
      CID.parse("zdj7WY8aNcxF49q1ZpFXfchNmbswnUxiVDVjmrHb53xRM8W4C").toString(),
    );
  });
  it("parses Kubo's chunker strings", () => {
    assert.equal(parseKuboChunker(undefined), 262144);
    assert.equal(parseKuboChunker("size-1024"), 1024);
    assert.throws(() => parseKuboChunker("size-0"), /greater than 0/);
    assert.throws(() => parseKuboChunker("size-2000000"), /maximum chunk size/);
    assert.throws(() => parseKuboChunker("buzhash"), /not supported/);
    assert.throws(() => parseKuboChunker("nonsense"), /unrecognized chunker/);
  });
});
