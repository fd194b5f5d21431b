/**
 * Where a started node must answer as Kubo does: a failed write reaches every client as an error
 * (no false success on a full disk), `add`'s output order, file names, UnixFS metadata and layout
 * options, identity CIDs, the gateway's response formats, status codes of bad requests, and the
 * hash functions Kubo supports.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CarReader } from "@ipld/car";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { sha512 } from "multiformats/hashes/sha2";
import { blake3 } from "#core/multihash.ts";
import { collectAll, makeTempRepo, removeRepo, seededBytes, startDaemonProcess, type DaemonProcess } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";

const text = (value: string) => new TextEncoder().encode(value);
const EMPTY_IDENTITY = "bafkqaaa";
/** "hello world\n" inlined in an identity CID (raw codec). */
const HELLO_IDENTITY = "bafkqaddimvwgy3zao5xxe3debi";

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  body: string;
}

/** A POST as curl or the Go client sends it: node's http, no Origin, body given whole. */
function rawPost(apiUrl: string, pathAndQuery: string, body: Buffer | AsyncIterable<Uint8Array>, headers: Record<string, string>): Promise<RawAnswer> {
  const { hostname, port } = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method: "POST", path: pathAndQuery, headers }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (data += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, body: data }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body instanceof Buffer) req.end(body);
    else
      void (async () => {
        for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        req.end();
      })().catch(reject);
  });
}

interface Part {
  fieldName?: string;
  filename?: string;
  contentType?: string;
  content?: Uint8Array;
}

/** A multipart body built byte by byte, so file names and part types are exactly what a client sends. */
function multipart(parts: Part[]): { body: Buffer; headers: Record<string, string> } {
  const boundary = "kubo-parity-boundary";
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`;
    pieces.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.fieldName ?? "file"}"${filename}\r\nContent-Type: ${part.contentType ?? "application/octet-stream"}\r\n\r\n`,
      ),
    );
    pieces.push(Buffer.from(part.content ?? new Uint8Array(0)));
    pieces.push(Buffer.from("\r\n"));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  const body = Buffer.concat(pieces);
  return { body, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": String(body.length) } };
}

function ndjson(body: string): Array<Record<string, string>> {
  return body
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function blockOf(api: KuboRPCClient, cid: string): Promise<Uint8Array> {
  return api.block.get(CID.parse(cid));
}

async function unixfsOf(api: KuboRPCClient, cid: string): Promise<{ unixfs: UnixFS; links: dagPb.PBLink[] }> {
  const node = dagPb.decode(await blockOf(api, cid));
  return { unixfs: UnixFS.unmarshal(node.Data ?? new Uint8Array(0)), links: node.Links };
}

describe("a failed write or pin reaches every client as an error (full disk)", () => {
  let mountPoint: string;
  let daemon: DaemonProcess;
  let api: KuboRPCClient;
  before(async () => {
    mountPoint = await makeTempRepo();
    try {
      // a 2 MiB filesystem: the repo fits, a 3 MB file does not
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint], { stdio: "pipe" });
    } catch (err) {
      assert.fail(
        `this test needs a tiny filesystem for the repo: "mount -t tmpfs" failed (run the IPFS tests as root, as CI does): ${(err as Error).message}`,
      );
    }
    const repo = path.join(mountPoint, "repo");
    await mkdir(repo);
    daemon = await startDaemonProcess(repo, ["--upload-limit", "64MiB"]);
    api = create({ url: daemon.apiUrl });
  });
  after(async () => {
    await daemon?.stop();
    try {
      execFileSync("umount", [mountPoint], { stdio: "pipe" });
    } catch {
      // not mounted
    }
    await removeRepo(mountPoint);
  });

  it("a streamed answer (progress lines) ends with the X-Stream-Error trailer, without Origin", async () => {
    const file = Buffer.concat(await collectAll(seededBytes(3_000_000, 21)));
    const { body, headers } = multipart([{ filename: "big.bin", content: file }]);
    const answer = await rawPost(daemon.apiUrl, "/api/v0/add?progress=true", body, headers);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.trailer, "X-Stream-Error");
    assert.equal(answer.headers["x-chunked-output"], "1");
    assert.match(answer.trailers["x-stream-error"] ?? "", /ENOSPC|no space/i, `no X-Stream-Error trailer; body: ${answer.body}`);
  });
  it("an add without progress is Kubo's 500 error, to curl and to kubo-rpc-client alike", async () => {
    const file = Buffer.concat(await collectAll(seededBytes(3_000_000, 22)));
    const { body, headers } = multipart([{ filename: "big.bin", content: file }]);
    const answer = await rawPost(daemon.apiUrl, "/api/v0/add", body, headers);
    assert.equal(answer.status, 500, answer.body);
    const error = JSON.parse(answer.body);
    assert.equal(error.Type, "error");
    assert.equal(error.Code, 0);
    assert.match(error.Message, /ENOSPC|no space/i);
    await assert.rejects(api.add(seededBytes(3_000_000, 23)), /ENOSPC|no space/i);
    await assert.rejects(collectAll(api.addAll([{ path: "d/a.bin", content: seededBytes(3_000_000, 24) }], { wrapWithDirectory: true })), /ENOSPC|no space/i);
  });
  it("and nothing is reported pinned", async () => {
    const pins = await collectAll(api.pin.ls({ type: "recursive" }));
    assert.deepEqual(pins, []);
  });
});

describe("Kubo parity of a started node", () => {
  const { daemon, api } = daemonForSuite(["--upload-limit", "8MiB"]);

  describe("add -r output", () => {
    it("reports directories after their contents, empty ones included, so the root comes last", async () => {
      const results = await collectAll(api.addAll([{ path: "d/a.txt", content: text("a") }, { path: "d/empty" }, { path: "d/sub/b.txt", content: text("b") }]));
      assert.deepEqual(
        results.map((result) => result.path),
        ["d/a.txt", "d/sub/b.txt", "d/empty", "d/sub", "d"],
      );
      assert.equal(results.find((result) => result.path === "d/empty")?.cid.toString(), "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");
      const root = results.at(-1)?.cid.toString() as string;
      const names = (await unixfsOf(api, root)).links.map((link) => link.Name);
      assert.deepEqual(names, ["a.txt", "empty", "sub"]);
      // kubo-rpc-client's add() takes the last line as the root
      const single = await api.add({ path: "e/x/empty" });
      assert.equal(single.path, "e");
    });
    it("empty-dirs=false leaves empty directories out, as Kubo's --empty-dirs=false", async () => {
      const { body, headers } = multipart([
        { filename: "d", contentType: "application/x-directory" },
        { filename: "d%2Fempty", contentType: "application/x-directory" },
        { filename: "d%2Fa.txt", content: text("a") },
      ]);
      const lines = ndjson((await rawPost(daemon.apiUrl, "/api/v0/add?empty-dirs=false", body, headers)).body);
      assert.deepEqual(
        lines.map((line) => line.Name),
        ["d/a.txt", "d"],
      );
      assert.deepEqual(
        (await unixfsOf(api, lines[1].Hash)).links.map((link) => link.Name),
        ["a.txt"],
      );
    });
  });

  describe("file names in multipart add", () => {
    it("are query-unescaped and cleaned as Kubo's go-ipfs-files does: + is a space, . and .. never become link names", async () => {
      const { body, headers } = multipart([
        { filename: "a+b%2B.txt", content: text("1") },
        { filename: "..%2F..%2Fx.txt", content: text("2") },
        { filename: "d%2F.%2Fe%2F..%2Ff.txt", content: text("3") },
        { filename: "bad%ZZname", content: text("4") },
      ]);
      const answer = await rawPost(daemon.apiUrl, "/api/v0/add?wrap-with-directory=true", body, headers);
      assert.equal(answer.status, 200, answer.body);
      const lines = ndjson(answer.body);
      assert.deepEqual(
        lines.map((line) => line.Name),
        ["a b+.txt", "x.txt", "d/f.txt", "bad%ZZname", "d", ""],
      );
      const root = lines.at(-1)?.Hash as string;
      assert.deepEqual(
        (await unixfsOf(api, root)).links.map((link) => link.Name),
        ["a b+.txt", "bad%ZZname", "d", "x.txt"],
      );
    });
  });

  describe("UnixFS metadata and layout options", () => {
    it("mode and mtime are stored (dag-pb, raw leaves off, as Kubo), and raw-leaves=true with them is refused", async () => {
      const { body, headers } = multipart([{ filename: "m.txt", content: text("metadata") }]);
      const lines = ndjson((await rawPost(daemon.apiUrl, "/api/v0/add?cid-version=1&mode=0640&mtime=1700000000&mtime-nsecs=5", body, headers)).body);
      const cid = CID.parse(lines[0].Hash);
      assert.equal(cid.code, dagPb.code);
      const { unixfs } = await unixfsOf(api, lines[0].Hash);
      assert.equal(Buffer.concat(await collectAll(api.cat(lines[0].Hash))).toString(), "metadata", "the file reads back as its bytes");
      assert.equal(unixfs.mode, 0o640);
      assert.equal(unixfs.mtime?.secs, 1700000000n);
      assert.equal(unixfs.mtime?.nsecs, 5);
      const small = multipart([{ filename: "m.txt", content: text("x") }]);
      const refused = await rawPost(daemon.apiUrl, "/api/v0/add?raw-leaves=true&mtime=1", small.body, small.headers);
      assert.equal(refused.status, 500);
      assert.equal(JSON.parse(refused.body).Message, "raw-leaves can't be used with UnixFS metadata like mode or modification time");
      const nsecsAlone = await rawPost(daemon.apiUrl, "/api/v0/add?mtime-nsecs=5", small.body, small.headers);
      assert.equal(nsecsAlone.status, 500);
      assert.equal(JSON.parse(nsecsAlone.body).Message, `option "mtime-nsecs" requires "mtime" to be provided as well`);
    });
    it("preserve-mode and preserve-mtime take each part's own mode and mtime (kubo-rpc-client sends them in the part name)", async () => {
      const { body, headers } = multipart([{ fieldName: "file?mode=0755&mtime=1600000000", filename: "run.sh", content: text("#!/bin/sh\n") }]);
      const lines = ndjson((await rawPost(daemon.apiUrl, "/api/v0/add?preserve-mode=true&preserve-mtime=true", body, headers)).body);
      const { unixfs } = await unixfsOf(api, lines[0].Hash);
      assert.equal(unixfs.mode, 0o755);
      assert.equal(unixfs.mtime?.secs, 1600000000n);
      const ignored = ndjson((await rawPost(daemon.apiUrl, "/api/v0/add", body, headers)).body);
      assert.equal(ignored[0].Hash, (await api.add(text("#!/bin/sh\n"))).cid.toString(), "without preserve-*, Kubo ignores the part's metadata");
    });
    it("max-file-links bounds the links of file nodes; max-hamt-fanout must be a power of 2 from 8 to 1024", async () => {
      const file = new Uint8Array(5000).fill(7);
      const { body, headers } = multipart([{ filename: "f.bin", content: file }]);
      const lines = ndjson((await rawPost(daemon.apiUrl, "/api/v0/add?chunker=size-1000&max-file-links=2", body, headers)).body);
      assert.equal((await unixfsOf(api, lines[0].Hash)).links.length, 2);
      const bad = await rawPost(daemon.apiUrl, "/api/v0/add?max-hamt-fanout=7", body, headers);
      assert.equal(bad.status, 500);
      assert.equal(JSON.parse(bad.body).Message, "HAMT fanout must be a power of 2, between 8 and 1024 (got 7)");
    });
    it("a symlink part becomes a UnixFS symlink; to-files (MFS) is refused, not ignored", async () => {
      const { body, headers } = multipart([
        { filename: "d%2Ftarget.txt", content: text("t") },
        { filename: "d%2Flink", contentType: "application/symlink", content: text("target.txt") },
      ]);
      const lines = ndjson((await rawPost(daemon.apiUrl, "/api/v0/add", body, headers)).body);
      const link = lines.find((line) => line.Name === "d/link");
      assert.ok(link, JSON.stringify(lines));
      const { unixfs } = await unixfsOf(api, link.Hash);
      assert.equal(unixfs.type, "symlink");
      assert.equal(new TextDecoder().decode(unixfs.data), "target.txt");
      const other = multipart([{ filename: "a", content: text("a") }]);
      const refused = await rawPost(daemon.apiUrl, "/api/v0/add?to-files=/x", other.body, other.headers);
      assert.equal(refused.status, 500);
      assert.match(JSON.parse(refused.body).Message, /to-files/);
    });
  });

  describe("identity CIDs are served from the CID itself", () => {
    it("cat, block get, block stat and dag stat", async () => {
      assert.equal(Buffer.concat(await collectAll(api.cat(EMPTY_IDENTITY))).length, 0);
      assert.equal(Buffer.concat(await collectAll(api.cat(HELLO_IDENTITY))).toString(), "hello world\n");
      assert.equal(Buffer.from(await blockOf(api, HELLO_IDENTITY)).toString(), "hello world\n");
      assert.deepEqual(await api.block.stat(CID.parse(EMPTY_IDENTITY)), { cid: CID.parse(EMPTY_IDENTITY), size: 0 });
      const stat = await (await fetch(`${daemon.apiUrl}/api/v0/dag/stat?arg=${HELLO_IDENTITY}&progress=false`, { method: "POST" })).json();
      assert.equal(stat.TotalSize, 12);
    });
    it("on the gateway: the file, the raw block and a CAR", async () => {
      const file = await fetch(`${daemon.gatewayUrl}/ipfs/${HELLO_IDENTITY}`);
      assert.equal(file.status, 200);
      assert.equal(await file.text(), "hello world\n");
      const empty = await fetch(`${daemon.gatewayUrl}/ipfs/${EMPTY_IDENTITY}?format=raw`);
      assert.equal(empty.status, 200);
      assert.equal((await empty.arrayBuffer()).byteLength, 0);
      const car = await fetch(`${daemon.gatewayUrl}/ipfs/${HELLO_IDENTITY}?format=car`);
      assert.equal(car.status, 200);
      assert.ok(Buffer.from(await car.arrayBuffer()).includes(Buffer.from("hello world\n")));
    });
  });

  describe("identity CIDs linked from inside a DAG", () => {
    it("a directory whose file is an identity CID is listed, read, pinned recursively and walked by dag stat", async () => {
      const dir = dagPb.encode(
        dagPb.prepare({ Data: new UnixFS({ type: "directory" }).marshal(), Links: [{ Name: "hello.txt", Hash: CID.parse(HELLO_IDENTITY), Tsize: 12 }] }),
      );
      const put = await api.block.put(dir, { format: "dag-pb", version: 1 });
      const root = put.toString();
      assert.equal(Buffer.concat(await collectAll(api.cat(`${root}/hello.txt`))).toString(), "hello world\n");
      const listing = await collectAll(api.ls(root));
      assert.deepEqual(
        listing.map((entry) => entry.name),
        ["hello.txt"],
      );
      await api.pin.add(put, { recursive: true });
      assert.ok((await collectAll(api.pin.ls({ paths: [put] }))).some((pin) => pin.cid.equals(put)));
      const stat = await (await fetch(`${daemon.apiUrl}/api/v0/dag/stat?arg=${root}&progress=false`, { method: "POST" })).json();
      assert.deepEqual([stat.UniqueBlocks, stat.TotalSize], [2, dir.length + 12]);
    });
  });

  describe("gateway response formats: TAR as Kubo writes it; what it does not produce refused, never answered with another", () => {
    let file: string;
    before(async () => {
      file = (await api.add(text("format test\n"))).cid.toString();
    });
    it("a CAR version other than 1 is Kubo's 400", async () => {
      const v2 = await fetch(`${daemon.gatewayUrl}/ipfs/${file}?format=car&car-version=2`);
      assert.equal(v2.status, 400);
      assert.match(await v2.text(), /only version=1 is supported/);
      const v2Accept = await fetch(`${daemon.gatewayUrl}/ipfs/${file}`, { headers: { Accept: "application/vnd.ipld.car; version=2" } });
      assert.equal(v2Accept.status, 400);
      assert.equal((await fetch(`${daemon.gatewayUrl}/ipfs/${file}?format=car&car-order=bfs`)).status, 400);
      const v1 = await fetch(`${daemon.gatewayUrl}/ipfs/${file}?format=car&car-version=1`);
      assert.equal(v1.status, 200);
      assert.match(v1.headers.get("content-type") ?? "", /^application\/vnd\.ipld\.car; version=1/);
    });
    it("CAR entity-bytes: only the blocks that cover the byte range; a malformed range is Kubo's 400", async () => {
      const big = await api.add(seededBytes(1_000_000, 41));
      const blocksOf = async (range: string) => {
        const response = await fetch(`${daemon.gatewayUrl}/ipfs/${big.cid}?format=car&entity-bytes=${range}`);
        assert.equal(response.status, 200, range);
        const reader = await CarReader.fromBytes(new Uint8Array(await response.arrayBuffer()));
        const cids: string[] = [];
        for await (const block of reader.blocks()) cids.push(block.cid.toString());
        return cids;
      };
      const leaves = dagPb.decode(await api.block.get(big.cid)).Links.map((link) => link.Hash.toString());
      assert.equal(leaves.length, 4, "1 MB in 256 KiB chunks");
      const root = big.cid.toString();
      assert.deepEqual(await blocksOf("0:1000"), [root, leaves[0]]);
      assert.deepEqual(await blocksOf("-1000:*"), [root, leaves[3]]);
      assert.deepEqual(await blocksOf("300000:600000"), [root, leaves[1], leaves[2]]);
      assert.deepEqual(await blocksOf("0:*"), [root, ...leaves]);
      assert.deepEqual(await blocksOf("2000000:*"), [root]);
      for (const bad of ["5:2", "abc", "1:2:3"]) {
        const response = await fetch(`${daemon.gatewayUrl}/ipfs/${big.cid}?format=car&entity-bytes=${bad}`);
        assert.equal(response.status, 400, bad);
        assert.match(await response.text(), /invalid application\/vnd\.ipld\.car entity-bytes URL parameter/);
      }
    });
    it("CAR dups=y repeats a block each time the DAG links it; dups=n sends it once", async () => {
      const directory = (
        await collectAll(
          api.addAll([
            { path: "dd/x", content: text("same") },
            { path: "dd/y", content: text("same") },
          ]),
        )
      ).at(-1)?.cid as CID;
      const leaf = (await api.add(text("same"), { onlyHash: true })).cid;
      const occurrences = (car: Buffer) => {
        let count = 0;
        for (let at = car.indexOf(leaf.bytes); at !== -1; at = car.indexOf(leaf.bytes, at + 1)) count++;
        return count;
      };
      const withDuplicates = await fetch(`${daemon.gatewayUrl}/ipfs/${directory}?format=car&car-dups=y`);
      assert.equal(withDuplicates.status, 200);
      assert.equal(withDuplicates.headers.get("content-type"), "application/vnd.ipld.car; version=1; order=dfs; dups=y");
      // the directory block links it twice; the block itself comes twice, or once
      assert.equal(occurrences(Buffer.from(await withDuplicates.arrayBuffer())), 4);
      const once = await fetch(`${daemon.gatewayUrl}/ipfs/${directory}`, { headers: { Accept: "application/vnd.ipld.car; dups=n" } });
      assert.equal(once.headers.get("content-type"), "application/vnd.ipld.car; version=1; order=dfs; dups=n");
      assert.equal(occurrences(Buffer.from(await once.arrayBuffer())), 3);
    });
    it("format=tar is the tree as Kubo's TAR: the top-level entry named by the CID, directories, files, modes", async () => {
      const results = await collectAll(
        api.addAll(
          [
            { path: "t/a.txt", content: text("alpha\n") },
            { path: "t/sub/b.txt", content: text("beta\n"), mode: 0o600 },
            { path: `t/${"long-name-".repeat(12)}.txt`, content: text("long\n") },
          ],
          { preserveMode: true } as never,
        ),
      );
      const root = results.at(-1)?.cid.toString() as string;
      const asked: Array<{ url: string; headers: Record<string, string> }> = [
        { url: `${daemon.gatewayUrl}/ipfs/${root}?format=tar`, headers: {} },
        { url: `${daemon.gatewayUrl}/ipfs/${root}`, headers: { Accept: "application/x-tar" } },
      ];
      for (const init of asked) {
        const response = await fetch(init.url, { headers: init.headers });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("content-type"), "application/x-tar");
        assert.match(response.headers.get("content-disposition") ?? "", new RegExp(`attachment; filename="${root}.tar"`));
        const tar = Buffer.from(await response.arrayBuffer());
        const listing = execFileSync("tar", ["-tvf", "-"], { input: tar }).toString();
        assert.deepEqual(
          listing
            .trim()
            .split("\n")
            .map((line) => line.split(/\s+/).at(-1)),
          [`${root}/`, `${root}/a.txt`, `${root}/${"long-name-".repeat(12)}.txt`, `${root}/sub/`, `${root}/sub/b.txt`],
        );
        assert.match(listing, /-rw------- .*\/sub\/b\.txt\n/);
        assert.equal(execFileSync("tar", ["-xOf", "-", `${root}/sub/b.txt`], { input: tar }).toString(), "beta\n");
        assert.equal(execFileSync("tar", ["-xOf", "-", `${root}/${"long-name-".repeat(12)}.txt`], { input: tar }).toString(), "long\n");
      }
      const single = Buffer.from(await (await fetch(`${daemon.gatewayUrl}/ipfs/${file}?format=tar`)).arrayBuffer());
      assert.equal(execFileSync("tar", ["-xOf", "-", file], { input: single }).toString(), "format test\n");
    });
    it("a TAR never holds a path outside its top-level entry: a `..` link ends the stream with Kubo's error", async () => {
      const directory = dagPb.encode(
        dagPb.prepare({ Data: new UnixFS({ type: "directory" }).marshal(), Links: [{ Name: "..", Hash: CID.parse(file), Tsize: 20 }] }),
      );
      const cid = await api.block.put(directory, { format: "v0" } as never);
      const body = await (await fetch(`${daemon.gatewayUrl}/ipfs/${cid}?format=tar`)).text();
      assert.ok(body.endsWith("relative UnixFS paths outside the root are not allowed, use CAR instead"), body.slice(-200));
    });
    it("dag-json of a UnixFS file is not implemented (501); a dag-json block asked as dag-json is served as it is", async () => {
      for (const [query, accept] of [
        ["format=dag-json", undefined],
        ["format=dag-cbor", undefined],
        ["", "application/vnd.ipld.dag-json"],
      ]) {
        const response = await fetch(`${daemon.gatewayUrl}/ipfs/${file}${query ? `?${query}` : ""}`, accept ? { headers: { Accept: accept } } : {});
        assert.equal(response.status, 501, `${query} ${accept}`);
      }
      const cid = await api.block.put(text(`{"a":1}`), { format: "dag-json" } as never);
      const served = await fetch(`${daemon.gatewayUrl}/ipfs/${cid}?format=dag-json`);
      assert.equal(served.status, 200);
      assert.equal(served.headers.get("content-type"), "application/vnd.ipld.dag-json");
      assert.equal(await served.text(), '{"a":1}');
    });
    it("a path segment that is not percent-encoded UTF-8 is 400", async () => {
      assert.equal((await fetch(`${daemon.gatewayUrl}/ipfs/${file}/%E0`)).status, 400);
      assert.equal((await fetch(`${daemon.gatewayUrl}/ipfs/%E0%A4%A`)).status, 400);
    });
  });

  describe("status codes of bad requests, as go-ipfs-cmds answers them", () => {
    it("a request it cannot parse is 400 with a plain-text message", async () => {
      for (const [url, message] of [
        ["/api/v0/cat", 'argument "ipfs-path" is required'],
        [`/api/v0/cat?arg=${EMPTY_IDENTITY}&offset=abc`, 'could not convert value "abc" to type "int" (for option "-offset")'],
        ["/api/v0/add?pin=maybe", 'could not convert value "maybe" to type "bool" (for option "-pin")'],
      ]) {
        const body = new FormData();
        body.append("file", new Blob([text("x")]), "x");
        const response = await fetch(`${daemon.apiUrl}${url}`, { method: "POST", body });
        assert.equal(response.status, 400, url);
        assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
        assert.equal(await response.text(), `${message}\n`);
      }
      const notMultipart = await fetch(`${daemon.apiUrl}/api/v0/add`, {
        method: "POST",
        body: "x=1",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      assert.equal(notMultipart.status, 400);
      assert.equal(await notMultipart.text(), "file argument 'path' is required\n");
    });
    it("a command that fails is 500 with Code 0", async () => {
      const form = () => {
        const body = new FormData();
        body.append("file", new Blob([text("x")]), "x");
        return body;
      };
      for (const [url, message] of [
        ["/api/v0/cat?arg=not-a-cid", /invalid path "not-a-cid"/],
        ["/api/v0/add?cid-version=7", /unknown CID version/],
        ["/api/v0/add?hash=nope", /unrecognized hash function: "nope"/],
        ["/api/v0/add?chunker=size-0", /chunker size must be greater than 0/],
        ["/api/v0/pin/ls?type=sideways", /invalid type 'sideways'/],
        ["/api/v0/block/put?mhtype=nope", /unrecognized multihash function: nope/],
      ] as const) {
        const response = await fetch(`${daemon.apiUrl}${url}`, { method: "POST", body: form() });
        assert.equal(response.status, 500, url);
        const error = await response.json();
        assert.equal(error.Code, 0, url);
        assert.equal(error.Type, "error");
        assert.match(error.Message, message);
      }
    });
  });

  describe("hash functions Kubo supports", () => {
    it("blake3 hashes as the reference implementation (32-byte digest of the empty input)", async () => {
      assert.equal(
        Buffer.from((await blake3.digest(new Uint8Array(0))).digest).toString("hex"),
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
      );
    });
    it("add --hash=blake3 gives Kubo's CID (t0800-blake3.sh), CIDv1 with raw leaves as Kubo implies", async () => {
      assert.equal(
        (await api.add(text("foo\n"), { hashAlg: "blake3", rawLeaves: true })).cid.toString(),
        "bafkr4icj3sdq34o6p7lapfgoxtset5om3lsxll72uz5cjnrkzmb6aoo3si",
      );
      assert.equal((await api.add(text("foo\n"), { hashAlg: "blake3" })).cid.toString(), "bafkr4icj3sdq34o6p7lapfgoxtset5om3lsxll72uz5cjnrkzmb6aoo3si");
      assert.equal((await api.block.put(text("foo\n"), { mhtype: "blake3" })).toString(), "bafkr4icj3sdq34o6p7lapfgoxtset5om3lsxll72uz5cjnrkzmb6aoo3si");
      await assert.rejects(api.add(text("foo\n"), { hashAlg: "blake3", cidVersion: 0 }), /CIDv0 only supports sha2-256/);
    });
    it("add --hash=sha2-512 of a directory with a multi-chunk file: every block sha2-512, each link's Tsize its DAG size, readable and pinned", async () => {
      const big = Buffer.concat(await collectAll(seededBytes(700_000, 31)));
      const results = await collectAll(
        api.addAll([{ path: "h/big.bin", content: big }, { path: "h/small.txt", content: text("small\n") }, { path: "h/none" }], { hashAlg: "sha2-512" }),
      );
      assert.deepEqual(
        results.map((result) => result.path),
        ["h/big.bin", "h/small.txt", "h/none", "h"],
      );
      const root = results.at(-1)?.cid as CID;
      const dagSize = async (cid: CID): Promise<number> => {
        assert.equal(cid.multihash.code, sha512.code, `${cid} is not sha2-512`);
        assert.equal(cid.version, 1);
        const bytes = await api.block.get(cid);
        assert.deepEqual(Buffer.from(cid.multihash.digest), Buffer.from((await sha512.digest(bytes)).digest));
        if (cid.code !== dagPb.code) return bytes.length;
        let size = bytes.length;
        for (const link of dagPb.decode(bytes).Links) {
          const below = await dagSize(link.Hash);
          assert.equal(link.Tsize, below, `Tsize of ${link.Name ?? "a link"} in ${cid}`);
          size += below;
        }
        return size;
      };
      assert.equal(String(await dagSize(root)), String(results.at(-1)?.size));
      assert.ok(Buffer.concat(await collectAll(api.cat(`${root}/big.bin`))).equals(big));
      const pins = (await collectAll(api.pin.ls({ type: "recursive" }))).map((pin) => pin.cid.toString());
      assert.ok(pins.includes(root.toString()), "the sha2-512 root is pinned");
    });
    it("block put --mhtype=sha2-512 and blake3: the CID hashes the bytes, and the block is read back on the API and the gateway", async () => {
      const bytes = text("hashed otherwise\n");
      for (const [mhtype, hasher] of [
        ["sha2-512", sha512],
        ["blake3", blake3],
      ] as const) {
        const cid = await api.block.put(bytes, { mhtype });
        assert.equal(cid.toString(), CID.createV1(0x55, await hasher.digest(bytes)).toString(), mhtype);
        assert.deepEqual(Buffer.from(await api.block.get(cid)), Buffer.from(bytes));
        const raw = await fetch(`${daemon.gatewayUrl}/ipfs/${cid}?format=raw`);
        assert.equal(raw.status, 200);
        assert.deepEqual(Buffer.from(await raw.arrayBuffer()), Buffer.from(bytes));
        await api.pin.add(cid);
        assert.equal(await (await fetch(`${daemon.gatewayUrl}/ipfs/${cid}`)).text(), "hashed otherwise\n");
      }
    });
  });
});
