/**
 * The HTTP gateway of a started node: the path gateway (files, index.html, listings, content
 * types, ranges, caching headers, errors) and the trustless gateway (raw blocks and CARs that a
 * browser can verify block by block against their CIDs), with CORS open for reads.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CarReader } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { collectAll, makeTempRepo, removeRepo, seededBytes, startDaemonProcess, type DaemonProcess } from "./daemon-process.ts";

const text = (value: string) => new TextEncoder().encode(value);

async function verifiedBlocks(car: Uint8Array): Promise<{ roots: CID[]; cids: string[] }> {
  const reader = await CarReader.fromBytes(car);
  const cids: string[] = [];
  for await (const { cid, bytes } of reader.blocks()) {
    const digest = await sha256.digest(bytes);
    assert.deepEqual(Buffer.from(digest.bytes), Buffer.from(cid.multihash.bytes), `block ${cid} does not hash to its CID`);
    cids.push(cid.toString());
  }
  return { roots: await reader.getRoots(), cids };
}

describe("HTTP gateway", () => {
  let daemon: DaemonProcess;
  let api: KuboRPCClient;
  let site: CID;
  let notes: CID;
  let big: CID;
  const bigBytes = async () => Buffer.concat(await collectAll(seededBytes(600_000, 21)));

  before(async () => {
    daemon = await startDaemonProcess(await makeTempRepo());
    api = create({ url: daemon.apiUrl });
    const added = await collectAll(api.addAll([
      { path: "site/index.html", content: text("<!doctype html><h1>TIL</h1>") },
      { path: "site/style.css", content: text("h1 { color: red }") },
    ]));
    site = added.at(-1)!.cid;
    const noteAdds = await collectAll(api.addAll([
      { path: "notes/2026-01-01-ipfs.md", content: text("# IPFS\n\nContent addressing.\n") },
      { path: "notes/data.bin", content: Uint8Array.from([0, 1, 2, 3, 0xff]) },
      { path: "notes/unnamed", content: text("plain words\n") },
      { path: "notes/<script>.txt", content: text("x") },
    ]));
    notes = noteAdds.at(-1)!.cid;
    big = (await api.add(seededBytes(600_000, 21))).cid;
  });
  after(async () => {
    await daemon.stop();
    await removeRepo(daemon.repo);
  });

  describe("path gateway", () => {
    it("serves a file with its content type, ETag and immutable caching", async () => {
      const response = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/2026-01-01-ipfs.md`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "# IPFS\n\nContent addressing.\n");
      assert.equal(response.headers.get("content-type"), "text/markdown; charset=utf-8");
      assert.match(response.headers.get("cache-control") ?? "", /immutable/);
      const etag = response.headers.get("etag");
      assert.match(etag ?? "", /^"Qm/);
      assert.equal(response.headers.get("x-ipfs-path"), `/ipfs/${notes}/2026-01-01-ipfs.md`);
      const again = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/2026-01-01-ipfs.md`, { headers: { "If-None-Match": etag as string } });
      assert.equal(again.status, 304);
    });
    it("?filename= and ?download=true name the file and set its type", async () => {
      const response = await fetch(`${daemon.gatewayUrl}/ipfs/${big}?filename=${encodeURIComponent("résumé.pdf")}&download=true`, { method: "HEAD" });
      assert.equal(response.headers.get("content-type"), "application/pdf");
      assert.equal(response.headers.get("content-disposition"), `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    });
    it("sniffs the content type when the name does not tell", async () => {
      const binary = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/data.bin`);
      assert.equal(binary.headers.get("content-type"), "application/octet-stream");
      const plain = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/unnamed`);
      assert.equal(plain.headers.get("content-type"), "text/plain; charset=utf-8");
    });
    it("serves index.html for a directory, redirecting to the trailing slash", async () => {
      const redirect = await fetch(`${daemon.gatewayUrl}/ipfs/${site}`, { redirect: "manual" });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get("location"), `/ipfs/${site}/`);
      const index = await fetch(`${daemon.gatewayUrl}/ipfs/${site}/`);
      assert.equal(index.status, 200);
      assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(await index.text(), "<!doctype html><h1>TIL</h1>");
    });
    it("lists a directory without index.html, escaping names", async () => {
      const listing = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/`);
      assert.equal(listing.status, 200);
      const html = await listing.text();
      assert.match(html, /2026-01-01-ipfs\.md/);
      assert.ok(!html.includes("<script>"), "file names are HTML-escaped");
    });
    it("answers Range requests (206, 416) across chunk boundaries", async () => {
      const whole = await bigBytes();
      const part = await fetch(`${daemon.gatewayUrl}/ipfs/${big}`, { headers: { Range: "bytes=262100-262299" } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), "bytes 262100-262299/600000");
      assert.ok(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(262100, 262300)));
      const suffix = await fetch(`${daemon.gatewayUrl}/ipfs/${big}`, { headers: { Range: "bytes=-10" } });
      assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(-10)));
      const outside = await fetch(`${daemon.gatewayUrl}/ipfs/${big}`, { headers: { Range: "bytes=600000-" } });
      assert.equal(outside.status, 416);
      const full = await fetch(`${daemon.gatewayUrl}/ipfs/${big}`);
      assert.ok(Buffer.from(await full.arrayBuffer()).equals(whole));
    });
    it("HEAD gives the headers without a body", async () => {
      const head = await fetch(`${daemon.gatewayUrl}/ipfs/${big}`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "600000");
      assert.equal((await head.arrayBuffer()).byteLength, 0);
    });
    it("400 for a bad CID, 404 for a missing path, 504 at once for content not here", async () => {
      const bad = await fetch(`${daemon.gatewayUrl}/ipfs/not-a-cid`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /invalid path/);
      const missingPath = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/nope.md`);
      assert.equal(missingPath.status, 404);
      const absent = CID.createV1(0x55, await sha256.digest(text("not on this node")));
      const started = Date.now();
      const missingBlock = await fetch(`${daemon.gatewayUrl}/ipfs/${absent}`);
      assert.equal(missingBlock.status, 504);
      assert.ok(Date.now() - started < 3000, "a missing block is answered at once, not after a hang");
      assert.equal((await fetch(`${daemon.gatewayUrl}/elsewhere`)).status, 404);
      assert.equal((await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/`, { method: "POST" })).status, 405);
    });
    it("serves files from a directory big enough for Kubo to shard it (HAMT)", async () => {
      const name = (i: number) => `${"long-note-name-".repeat(14)}${String(i).padStart(5, "0")}.md`;
      const files = Array.from({ length: 1200 }, (_, i) => ({ path: `big/${name(i)}`, content: text(`note ${i}\n`) }));
      const root = (await collectAll(api.addAll(files))).at(-1)!.cid;
      const rootNode = dagPb.decode(await api.block.get(root));
      assert.equal(UnixFS.unmarshal(rootNode.Data as Uint8Array).type, "hamt-sharded-directory", "over 256 KiB of links: sharded, as Kubo does");
      const file = await fetch(`${daemon.gatewayUrl}/ipfs/${root}/${name(777)}`);
      assert.equal(file.status, 200);
      assert.equal(await file.text(), "note 777\n");
      assert.equal((await fetch(`${daemon.gatewayUrl}/ipfs/${root}/no-such-note.md`)).status, 404);
      assert.equal((await collectAll(api.ls(root))).length, 1200);
    });
    it("answers a small file again from its ready response, until gc removes it (then 504)", async () => {
      const { cid } = await api.add({ path: "gone.md", content: text("# soon gone\n") }, { wrapWithDirectory: true });
      const url = `${daemon.gatewayUrl}/ipfs/${cid}/gone.md`;
      const first = await fetch(url);
      assert.equal(await first.text(), "# soon gone\n");
      const second = await fetch(url, { headers: { Origin: "https://any.example" } });
      assert.equal(second.status, 200);
      assert.equal(await second.text(), "# soon gone\n");
      assert.equal(second.headers.get("content-type"), "text/markdown; charset=utf-8");
      assert.equal(second.headers.get("etag"), first.headers.get("etag"));
      assert.equal(second.headers.get("access-control-allow-origin"), "*");
      assert.match(second.headers.get("cache-control") ?? "", /immutable/);
      assert.equal((await fetch(url, { headers: { "If-None-Match": first.headers.get("etag") as string } })).status, 304);
      await api.pin.rm(cid);
      await collectAll(api.repo.gc());
      assert.equal((await fetch(url)).status, 504);
    });
    it("is open to every origin for reads (CORS)", async () => {
      const response = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/2026-01-01-ipfs.md`, { headers: { Origin: "https://any.example" } });
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      const preflight = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/`, { method: "OPTIONS", headers: { Origin: "https://any.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range" } });
      assert.equal(preflight.status, 200);
      assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /GET/);
      assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /Range/);
    });
  });

  describe("trustless gateway", () => {
    it("application/vnd.ipld.raw returns the block, which hashes to its CID", async () => {
      for (const url of [`${daemon.gatewayUrl}/ipfs/${big}`, `${daemon.gatewayUrl}/ipfs/${big}?format=raw`]) {
        const response = await fetch(url, { headers: url.includes("format=") ? {} : { Accept: "application/vnd.ipld.raw" } });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("content-type"), "application/vnd.ipld.raw");
        assert.equal(response.headers.get("access-control-allow-origin"), "*");
        const bytes = new Uint8Array(await response.arrayBuffer());
        assert.deepEqual(Buffer.from((await sha256.digest(bytes)).bytes), Buffer.from(big.multihash.bytes));
      }
    });
    it("application/vnd.ipld.car returns every block of the DAG, each verifiable", async () => {
      const response = await fetch(`${daemon.gatewayUrl}/ipfs/${big}`, { headers: { Accept: "application/vnd.ipld.car" } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^application\/vnd\.ipld\.car; version=1/);
      const { roots, cids } = await verifiedBlocks(new Uint8Array(await response.arrayBuffer()));
      assert.deepEqual(roots.map(String), [big.toString()]);
      assert.equal(cids.length, 4, "root and three leaves");
      assert.equal(cids[0], big.toString(), "depth-first: the root first");
    });
    it("a CAR for a path carries the blocks that prove the path", async () => {
      const response = await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/2026-01-01-ipfs.md?format=car`);
      const { roots, cids } = await verifiedBlocks(new Uint8Array(await response.arrayBuffer()));
      assert.deepEqual(roots.map(String), [notes.toString()]);
      assert.equal(cids[0], notes.toString());
      assert.equal(cids.length, 2);
    });
    it("dag-scope=block returns only the terminal block", async () => {
      const response = await fetch(`${daemon.gatewayUrl}/ipfs/${big}?format=car&dag-scope=block`);
      const { cids } = await verifiedBlocks(new Uint8Array(await response.arrayBuffer()));
      assert.deepEqual(cids, [big.toString()]);
    });
  });
});
