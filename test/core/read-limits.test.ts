/**
 * Bounded reads (core/retrieve, core/entry/limits.ts) against entries and gateways built to hurt,
 * through a real HTTP trustless gateway on 127.0.0.1 that serves hand-built blocks by CID:
 * DAG bombs (a few hundred kilobytes of blocks declaring 2 GB, as metadata.json, index.md or an
 * image), a declared size that lies, a directory of too many files, a gateway that answers a block
 * request with 1.5 GB, and one that drips a byte a second. Each read is refused by name, quickly
 * and in bounded memory, and the next gateway is used where one misbehaves.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { packEntry } from "#core/entry/index.ts";
import { MAX_BLOCK_BYTES, MAX_ENTRY_FILES, MAX_METADATA_BYTES } from "#core/entry/limits.ts";
import { EntryLimitError, listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { addFile, dagBomb, directoryNode, entryWith, fileNode, type Blocks, type Node } from "../support/dag-bombs.ts";

const MB = 1e6;

/** Serves `blocks` as a trustless gateway (raw blocks by CID) on a free port. */
async function serveBlocks(blocks: Blocks): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const key = /^\/ipfs\/([^/?]+)/.exec(req.url ?? "")?.[1];
    const block = key ? blocks.get(key) : undefined;
    if (!block) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/vnd.ipld.raw", "content-length": block.byteLength }).end(block);
  });
  return listen(server);
}

async function listen(server: http.Server): Promise<{ url: string; close: () => void }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Runs `read`, sampling the resident memory every 5 ms: its result, the peak growth in bytes, the time in ms. */
async function measured<T>(read: () => Promise<T>): Promise<{ result: T | Error; rssGrowth: number; ms: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const start = performance.now();
  let result: T | Error;
  try {
    result = await read();
  } catch (error) {
    result = error as Error;
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, rssGrowth: peak - before, ms: performance.now() - start };
}

function assertRefused(result: unknown, kind: string, message: RegExp): asserts result is EntryLimitError {
  assert.ok(result instanceof EntryLimitError, `refused with EntryLimitError, not ${result instanceof Error ? `${result.name}: ${result.message}` : "bytes"}`);
  assert.equal(result.kind, kind, result.message);
  assert.match(result.message, message);
}

describe("reading entries built to hurt, through a trustless gateway", () => {
  const blocks: Blocks = new Map();
  let gateway: { url: string; close: () => void };
  let bomb: Node & { declared: bigint };
  const entries: Record<string, Node> = {};

  before(async () => {
    // 256 KiB x 174 x 44: 2.0 GB declared, ~260 KB stored.
    bomb = await dagBomb(blocks, 256 * 1024, [174, 44]);
    entries.ordinary = await entryWith(blocks, "Ordinary");
    entries.metadataBomb = await entryWith(blocks, "Metadata bomb", { "metadata.json": bomb });
    entries.markdownBomb = await entryWith(blocks, "Markdown bomb", { "index.md": bomb });
    entries.imageBomb = await entryWith(blocks, "Image bomb", { "images/huge.png": bomb });
    // The same bomb behind links that declare 100 bytes: only the file's own UnixFS size tells.
    entries.hiddenBomb = await entryWith(blocks, "Hidden bomb", {
      "metadata.json": { cid: bomb.cid, tsize: 100 },
      "images/huge.png": { cid: bomb.cid, tsize: 100 },
    });
    // A root that declares 40 KiB (160 children claiming 256 bytes each) over 256 KiB leaves: a lying size.
    const leaf = await addFile(blocks, new Uint8Array(256 * 1024).fill(0x62));
    entries.liar = await entryWith(blocks, "Liar", {
      "metadata.json": {
        ...(await fileNode(
          blocks,
          Array.from({ length: 160 }, () => ({ node: leaf, claim: 256n })),
        )),
        tsize: 100,
      },
    });
    // A file of 174 x 174 empty leaves, each claiming a byte: 30 KB declared, no byte ever comes out.
    const empty = await addFile(blocks, new Uint8Array(0));
    const hollowLevel = await fileNode(
      blocks,
      Array.from({ length: 174 }, () => ({ node: empty, claim: 1n })),
    );
    const hollow = {
      ...(await fileNode(
        blocks,
        Array.from({ length: 174 }, () => ({ node: hollowLevel, claim: 174n })),
      )),
      tsize: 1,
    };
    entries.hollow = await entryWith(blocks, "Hollow", { "index.md": hollow });
    // A directory of 1,500 files.
    const crowd: Record<string, Node> = {};
    for (let i = 0; i < 1500; i++) crowd[`f${i}.txt`] = empty;
    entries.crowded = await directoryNode(blocks, { ...crowd, "metadata.json": await addFile(blocks, "{}") });
    gateway = await serveBlocks(blocks);
  });

  after(() => gateway?.close());

  const store = () => new VerifiedGatewayBlockstore([gateway.url]);

  it("reads an ordinary entry's files and lists them", async () => {
    const s = store();
    assert.match(new TextDecoder().decode(await readEntryFile(s, entries.ordinary.cid.toString(), "metadata.json")), /"title":"Ordinary"/);
    assert.deepEqual(await listEntryFiles(s, entries.ordinary.cid.toString()), ["card.svg", "index.html", "index.md", "metadata.json"]);
  });

  for (const [name, path, named] of [
    ["metadataBomb", "metadata.json", "metadata.json"],
    ["markdownBomb", "index.md", "index.md"],
    ["imageBomb", "images/huge.png", "images"],
  ] as const) {
    it(`refuses a 2 GB DAG bomb as ${path} from the entry directory alone, in bounded memory and time`, async (t) => {
      for (const file of ["metadata.json", path]) {
        const { result, rssGrowth, ms } = await measured(() => readEntryFile(store(), entries[name].cid.toString(), file));
        assertRefused(result, "declared-size", new RegExp(`^${named} declares 2\\.0 GB.*; entries are at most 10 MiB$`));
        assert.ok(rssGrowth < 100 * MB, `resident memory grew ${(rssGrowth / MB).toFixed(0)} MB`);
        assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
        t.diagnostic(`${file}: refused in ${ms.toFixed(0)} ms, resident memory +${(rssGrowth / MB).toFixed(1)} MB`);
      }
      assertRefused(await listEntryFiles(store(), entries[name].cid.toString()).catch((e: unknown) => e), "declared-size", /declares 2\.0 GB/);
    });
  }

  it("refuses a bomb behind links that declare 100 bytes by the file's own UnixFS size, before reading it", async () => {
    const s = store();
    const { result, rssGrowth, ms } = await measured(() => readEntryFile(s, entries.hiddenBomb.cid.toString(), "metadata.json"));
    assertRefused(result, "declared-size", /^metadata\.json declares 2\.0 GB; metadata\.json is at most 64 KiB$/);
    assert.ok(rssGrowth < 100 * MB && ms < 2000, `${(rssGrowth / MB).toFixed(0)} MB, ${ms.toFixed(0)} ms`);
    assert.ok((s.served.get(gateway.url) ?? 0) <= 3, "only the directory and the file's root were fetched");
    assertRefused(
      await readEntryFile(store(), entries.hiddenBomb.cid.toString(), "images/huge.png").catch((e: unknown) => e),
      "declared-size",
      /^images\/huge\.png declares 2\.0 GB; entries are at most 10 MiB$/,
    );
    assertRefused(await listEntryFiles(store(), entries.hiddenBomb.cid.toString()).catch((e: unknown) => e), "declared-size", /declares 2\.0 GB/);
  });

  it("counts the bytes as they come: a file whose leaves hold more than it declares stops at the first leaf over the limit", async () => {
    const s = store();
    const { result, rssGrowth } = await measured(() => readEntryFile(s, entries.liar.cid.toString(), "metadata.json"));
    assertRefused(result, "read-size", /^metadata\.json holds more than 64 KiB \(it declares 40 KiB\); metadata\.json is at most 64 KiB$/);
    assert.ok(rssGrowth < 100 * MB);
    assert.equal(s.served.get(gateway.url), 3, "the directory, the file's root and one leaf: not the 160 leaves");
    assertRefused(
      await readEntryFile(store(), entries.liar.cid.toString(), "metadata.json", { maxBytes: 1000 }).catch((e: unknown) => e),
      "declared-size",
      /declares 40 KiB/,
    );
  });

  it("stops walking a file of 30,276 empty leaves after a bounded number of block reads", async (t) => {
    const { result, ms } = await measured(() => readEntryFile(store(), entries.hollow.cid.toString(), "index.md"));
    assertRefused(result, "block-reads", /^index\.md is built of more than 20,000 blocks/);
    t.diagnostic(`refused in ${ms.toFixed(0)} ms`);
    assert.ok(ms < 10_000, `took ${ms.toFixed(0)} ms`);
  });

  it(`refuses an entry directory of more than ${MAX_ENTRY_FILES} files`, async () => {
    assertRefused(
      await readEntryFile(store(), entries.crowded.cid.toString(), "metadata.json").catch((e: unknown) => e),
      "file-count",
      /holds 1,501 links; entries hold at most 1,000 files/,
    );
    assertRefused(await listEntryFiles(store(), entries.crowded.cid.toString()).catch((e: unknown) => e), "file-count", /at most 1,000/);
  });

  it("publishing refuses a metadata.json that readers would refuse", async () => {
    assert.equal(MAX_METADATA_BYTES, 64 * 1024);
    await assert.rejects(packEntry({ title: "t".repeat(40_000), tags: [], body: "x\n" }), {
      name: "InvalidNoteError",
      message: /metadata\.json would be \d+ bytes; readers take at most 65536/,
    });
    await packEntry({ title: "t".repeat(20_000), tags: [], body: "x\n" });
  });
});

describe("gateways that send too much or too slowly", () => {
  const good = new Uint8Array(1000).fill(7);
  let cid: CID;
  let sent = 0;
  let closed = false;
  let huge: { url: string; close: () => void };
  let hugeDeclared: { url: string; close: () => void };
  let drip: { url: string; close: () => void };
  let honest: { url: string; close: () => void };

  before(async () => {
    cid = CID.createV1(raw.code, await sha256.digest(good));
    // 1.5 GB for any block, chunked (no Content-Length), generated as it goes, never allocated whole.
    huge = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/vnd.ipld.raw" });
        const chunk = new Uint8Array(64 * 1024).fill(1);
        const write = () => {
          while (sent < 1.5e9 && !closed) {
            sent += chunk.byteLength;
            if (!res.write(chunk)) return void res.once("drain", write);
          }
          res.end();
        };
        res.once("close", () => (closed = true));
        write();
      }),
    );
    hugeDeclared = await listen(http.createServer((_req, res) => res.writeHead(200, { "content-length": String(1.5e9) }).write(new Uint8Array(1024))));
    drip = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/vnd.ipld.raw" });
        const timer = setInterval(() => res.write(new Uint8Array([7])), 1000);
        res.once("close", () => clearInterval(timer));
      }),
    );
    honest = await serveBlocks(new Map([[cid.toString(), good]]));
  });

  after(() => {
    for (const g of [huge, hugeDeclared, drip, honest]) g?.close();
  });

  it("stops reading a 1.5 GB answer past the largest block, records it as too-large and takes the block from the next gateway", async (t) => {
    const s = new VerifiedGatewayBlockstore([huge.url, honest.url]);
    const { result, rssGrowth, ms } = await measured(() => s.getBlock(cid));
    assert.deepEqual(result, good);
    assert.deepEqual(
      s.failures.map((f) => [f.gateway, f.kind, f.reason]),
      [[huge.url, "too-large", "answered with more than 2 MiB, more than a block may hold (stopped reading)"]],
    );
    assert.deepEqual([...s.served], [[honest.url, 1]]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(closed, "the request was aborted");
    assert.ok(sent < 8 * MAX_BLOCK_BYTES, `the gateway got to send ${(sent / MB).toFixed(1)} MB`);
    t.diagnostic(
      `the gateway sent ${(sent / MB).toFixed(1)} MB before the reader hung up; ${ms.toFixed(0)} ms, resident memory +${(rssGrowth / MB).toFixed(1)} MB`,
    );
    assert.ok(rssGrowth < 100 * MB && ms < 5000, `${(rssGrowth / MB).toFixed(0)} MB, ${ms.toFixed(0)} ms`);
  });

  it("refuses an answer whose Content-Length is over the largest block without reading it", async () => {
    const s = new VerifiedGatewayBlockstore([hugeDeclared.url, honest.url]);
    assert.deepEqual(await s.getBlock(cid), good);
    assert.deepEqual(
      s.failures.map((f) => f.kind),
      ["too-large"],
    );
  });

  it("gives a gateway that drips a byte a second one timeout for the whole body, then uses the next", async () => {
    const s = new VerifiedGatewayBlockstore([drip.url, honest.url], { timeoutMs: 1500 });
    const { result, ms } = await measured(() => s.getBlock(cid));
    assert.deepEqual(result, good);
    assert.deepEqual(
      s.failures.map((f) => [f.kind, f.reason]),
      [["timeout", "no complete answer within 1500 ms"]],
    );
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
