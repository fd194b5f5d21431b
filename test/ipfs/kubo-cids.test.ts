/**
 * `add` through kubo-rpc-client returns the CIDs Kubo returns for the same bytes and options.
 * Vectors marked "Kubo" come from Kubo's own tests (test/sharness/t0040-add-and-cat.sh); the
 * multi-chunk ones are checked against an independent model of Kubo's balanced layout and pinned
 * as strings so a regression shows.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KuboRPCClient } from "kubo-rpc-client";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { collectAll, seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";
import { kuboBalancedRoot } from "./kubo-balanced-oracle.ts";

const text = (value: string) => new TextEncoder().encode(value);

async function addAllCids(api: KuboRPCClient, files: Array<{ path: string; content: string }>, options = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const result of api.addAll(
    files.map((file) => ({ path: file.path, content: text(file.content) })),
    options,
  ))
    out[result.path] = result.cid.toString();
  return out;
}

const PLANETS = [
  { path: "planets/mars.txt", content: "Hello Mars!\n" },
  { path: "planets/venus.txt", content: "Hello Venus!\n" },
];

describe("add gives Kubo's CIDs", () => {
  const { api } = daemonForSuite();

  describe("single-block files", () => {
    it("hello world (Kubo: QmT78z...)", async () => {
      const result = await api.add(text("hello world\n"));
      assert.equal(result.cid.toString(), "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
      assert.equal(result.size, 20);
      assert.equal(result.path, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "an unnamed file is named by its CID, as Kubo does");
    });
    it("named file (Kubo: hello.txt)", async () => {
      const result = await api.add({ path: "hello.txt", content: text("Hello Worlds!\n") });
      assert.equal(result.cid.toString(), "QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH");
    });
    it("zero-length file, dag-pb and raw leaves (Kubo)", async () => {
      assert.equal((await api.add(new Uint8Array(0))).cid.toString(), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
      assert.equal((await api.add(new Uint8Array(0), { rawLeaves: true })).cid.toString(), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    });
    it("cid-version=1 gives a raw leaf (Kubo: mars.txt)", async () => {
      assert.equal((await api.add(text("Hello Mars!\n"), { cidVersion: 1 })).cid.toString(), "bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4");
    });
  });

  describe("directories", () => {
    it("planets, default options (Kubo)", async () => {
      assert.deepEqual(await addAllCids(api, PLANETS), {
        "planets/mars.txt": "QmPrrHqJzto9m7SyiRzarwkqPcCSsKR2EB1AyqJfe8L8tN",
        "planets/venus.txt": "QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4",
        planets: "QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY",
      });
    });
    it("planets, raw-leaves (Kubo)", async () => {
      const cids = await addAllCids(api, PLANETS, { rawLeaves: true });
      assert.equal(cids.planets, "QmfWfQfKCY5Ukv9peBbxM5vqWM9BzmqUSXvdCgjT2wsiBT");
      assert.equal(cids["planets/mars.txt"], "bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4");
    });
    it("planets, cid-version=1 (Kubo)", async () => {
      assert.equal((await addAllCids(api, PLANETS, { cidVersion: 1 })).planets, "bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi");
    });
    it("planets, cid-version=1 raw-leaves=false (Kubo)", async () => {
      const cids = await addAllCids(api, PLANETS, { cidVersion: 1, rawLeaves: false });
      assert.equal(cids.planets, "bafybeif5tuep5ap2d7zyhbktucey75aoacxufgt6i3v4gebmixyipnyp7y");
      assert.equal(cids["planets/venus.txt"], "bafybeicvkvhs2fr75ynebtdjqpgm4g2fc63abqbmysupwpmcjl4gx7mzrm");
    });
    it("nested moons directory (Kubo: add -r moons)", async () => {
      const cids = await addAllCids(api, [
        { path: "moons/jupiter/europa.txt", content: "Hello Europa!\n" },
        { path: "moons/saturn/titan.txt", content: "Hello Titan!\n" },
        { path: "moons/mercury.txt", content: "hey youre no moon!\n" },
      ]);
      assert.deepEqual(cids, {
        "moons/jupiter/europa.txt": "Qmbjg7zWdqdMaK2BucPncJQDxiALExph5k3NkQv5RHpccu",
        "moons/saturn/titan.txt": "QmZzppb9WHn552rmRqpPfgU5FEiHH6gDwi3MrB9cTdPwdb",
        "moons/mercury.txt": "QmUJjVtnN8YEeYcS8VmUeWffTWhnMQAkk5DzZdKnPhqUdK",
        "moons/jupiter": "QmS5mZddhFPLWFX3w6FzAy9QxyYkaxvUpsWCtZ3r7jub9J",
        "moons/saturn": "QmaMagZT4rTE7Nonw8KGSK4oe1bh533yhZrCo1HihSG8FK",
        moons: "QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ",
      });
    });
    it("a flat directory of 2,000 files (Kubo: t0260-sharding.sh, unsharded below the 256 KiB threshold)", async () => {
      const files = Array.from({ length: 2000 }, (_, i) => ({ path: `testdata/file${i + 1}`, content: text(`${i + 1}\n`) }));
      const results = await collectAll(api.addAll(files));
      assert.equal(results.at(-1)?.cid.toString(), "QmavrTrQG4VhoJmantURAYuw3bowq3E2WcvP36NRQDAC1N");
      assert.equal(results.length, 2001);
    });
    it("explicit and empty directories, and names that need URL encoding", async () => {
      const results = await collectAll(api.addAll([{ path: "notes" }, { path: "notes/empty" }, { path: "notes/café & ü.md", content: text("# ü\n") }]));
      const byPath = Object.fromEntries(results.map((result) => [result.path, result.cid.toString()]));
      assert.equal(byPath["notes/empty"], "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", "the empty directory, as Kubo makes it");
      const listed = await collectAll(api.ls(byPath.notes));
      assert.deepEqual(
        listed.map((entry) => entry.name),
        ["café & ü.md", "empty"],
      );
      const chunks = await collectAll(api.cat(`/ipfs/${byPath.notes}/café & ü.md`));
      assert.equal(Buffer.concat(chunks).toString(), "# ü\n");
    });
    it("wrap-with-directory around one named file (Kubo: --stdin-name file.txt -w)", async () => {
      const results = [];
      for await (const result of api.addAll([{ path: "file.txt", content: text("IPFS\n") }], { wrapWithDirectory: true })) results.push(result);
      assert.equal(results[0].cid.toString(), "QmdFyxZXsFiP4csgfM5uPu99AvFiKH62CSPDw5TP92nr7w");
      assert.equal(results.length, 2);
      assert.equal(results[1].path, "", "the wrapping directory is reported with an empty name");
      const chunks = [];
      for await (const chunk of api.cat(`/ipfs/${results[1].cid}/file.txt`)) chunks.push(chunk);
      assert.equal(Buffer.concat(chunks).toString(), "IPFS\n");
    });
  });

  describe("multi-chunk files", () => {
    const cases: Array<{
      name: string;
      size: number;
      options: { cidVersion?: 0 | 1; chunker?: string; rawLeaves?: boolean };
      cid: string;
      leaves: number;
      depth: number;
    }> = [
      { name: "300 kB (2 chunks, last one short)", size: 300_000, options: {}, cid: "QmPHrT4ArHS5mHujoY3EGggf3P5H9pbG8iioenG2Vzv1Kn", leaves: 2, depth: 1 },
      {
        name: "50 MiB + 12345 B (201 chunks: more than 174, two levels)",
        size: 50 * 1024 * 1024 + 12345,
        options: {},
        cid: "QmXYV2Z9WrgmbzEsKiXtcE26ESEqhU5eZeCmBqBMRup9ja",
        leaves: 201,
        depth: 2,
      },
      {
        name: "50 MiB + 12345 B, cid-version=1 (raw leaves)",
        size: 50 * 1024 * 1024 + 12345,
        options: { cidVersion: 1 },
        cid: "bafybeigb2f3qenaet3ensfnyrhvil5mk2nbnlyjbgjwpn7eysd6eu2qa2a",
        leaves: 201,
        depth: 2,
      },
      {
        name: "1 MB, chunker=size-65536",
        size: 1_000_000,
        options: { chunker: "size-65536" },
        cid: "QmZPz84t6PsHpAeDMeHoDMisXDCvMwRCZCDJdkRRZAieXw",
        leaves: 16,
        depth: 1,
      },
      {
        name: "5 MiB, raw-leaves with CIDv0 parents",
        size: 5 * 1024 * 1024,
        options: { rawLeaves: true },
        cid: "QmXKiZBRWHwV2wprrciAsgDGvkUYS6qZrT2dyXJajNX68c",
        leaves: 20,
        depth: 1,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const added = await api.add(seededBytes(c.size, 42), c.options);
        const model = await kuboBalancedRoot(seededBytes(c.size, 42), {
          chunkSize: c.options.chunker ? Number(c.options.chunker.slice(5)) : undefined,
          cidVersion: c.options.cidVersion,
          rawLeaves: c.options.rawLeaves,
        });
        assert.equal(added.cid.toString(), model.cid.toString(), "matches the model of Kubo's balanced layout");
        assert.equal(added.cid.toString(), c.cid);
        assert.equal(added.size, model.dagSize);
        assert.equal(model.leaves, c.leaves);
        assert.equal(model.depth, c.depth);
      });
    }

    it("the 201-chunk DAG has Kubo's shape: 174 links then the rest, dag-pb file leaves of 256 KiB", async () => {
      const root = CID.parse("QmXYV2Z9WrgmbzEsKiXtcE26ESEqhU5eZeCmBqBMRup9ja");
      const rootNode = dagPb.decode(await api.block.get(root));
      assert.equal(UnixFS.unmarshal(rootNode.Data as Uint8Array).type, "file");
      assert.deepEqual(rootNode.Links.map((link) => link.Hash.toString()).length, 2);
      const first = dagPb.decode(await api.block.get(rootNode.Links[0].Hash));
      const second = dagPb.decode(await api.block.get(rootNode.Links[1].Hash));
      assert.equal(first.Links.length, 174);
      assert.equal(second.Links.length, 27);
      const leafNode = dagPb.decode(await api.block.get(first.Links[0].Hash));
      const leaf = UnixFS.unmarshal(leafNode.Data as Uint8Array);
      assert.equal(leaf.type, "file");
      assert.equal(leaf.data?.length, 262144);
      assert.equal(first.Links[0].Hash.version, 0);
      const lastLeaf = UnixFS.unmarshal(dagPb.decode(await api.block.get(second.Links[26].Hash)).Data as Uint8Array);
      assert.equal(lastLeaf.data?.length, 12345);
    });
  });

  describe("add options", () => {
    it("only-hash computes the CID without storing the blocks", async () => {
      const result = await api.add(text("only hashed, never stored\n"), { onlyHash: true });
      assert.equal(
        result.cid.toString(),
        (
          await kuboBalancedRoot(
            (async function* () {
              yield text("only hashed, never stored\n");
            })(),
          )
        ).cid.toString(),
      );
      await assert.rejects(api.block.stat(result.cid, { timeout: 5000 }), /not in this node's store/);
    });
    it("pin=false stores without pinning; the default pins the root", async () => {
      const unpinned = await api.add(text("not pinned\n"), { pin: false });
      const pinned = await api.add(text("pinned\n"));
      const pins = new Set<string>();
      for await (const pin of api.pin.ls({ type: "recursive" })) pins.add(pin.cid.toString());
      assert.ok(pins.has(pinned.cid.toString()));
      assert.ok(!pins.has(unpinned.cid.toString()));
      assert.equal((await api.block.stat(unpinned.cid)).size, 19);
    });
    it("progress reports bytes read per file", async () => {
      const seen: number[] = [];
      await api.add({ path: "big.bin", content: seededBytes(700_000, 7) }, { progress: (bytes: number) => seen.push(bytes) });
      assert.ok(seen.length >= 2, `expected several progress events, got ${seen.length}`);
      assert.equal(seen[seen.length - 1], 700_000);
    });
    it("rejects options it cannot honour instead of returning another CID", async () => {
      await assert.rejects(api.add(text("x"), { chunker: "rabin-262144-524288-1048576" }), /not supported/);
      await assert.rejects(api.add(text("x"), { hashAlg: "blake2b-256" }), /not supported/);
      await assert.rejects(api.add(text("x"), { chunker: "size-0" }), /greater than 0/);
    });
  });
});
