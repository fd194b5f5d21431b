/**
 * The Kubo RPC API of a started node: reads, pins, blocks, DAG stats, node info, and Kubo's
 * answers to bad input (status codes and `{"Message","Code","Type"}` bodies), plus origin checks.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { before, describe, it } from "node:test";
import type { KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { collectAll, seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";

const text = (value: string) => new TextEncoder().encode(value);
const HELLO = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";

async function catText(api: KuboRPCClient, path: string, options = {}): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of api.cat(path, options)) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function post(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { method: "POST", ...init });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A raw HTTP request whose body we control byte by byte (for truncated uploads). */
function rawRequest(url: string, head: string, body: Buffer, endEarly: boolean): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname,
      port,
      method: "POST",
      path: head,
      headers: { "Content-Type": "multipart/form-data; boundary=XyZ", "Content-Length": String(body.length + (endEarly ? 1000 : 0)) },
    });
    req.on("response", (res) => {
      let data = "";
      res.on("data", (chunk) => (data += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on("error", (err) => resolve({ status: 0, body: String(err) }));
    req.write(body);
    if (endEarly) setTimeout(() => req.destroy(), 100);
    else req.end();
    void reject;
  });
}

describe("Kubo RPC API", () => {
  const { daemon, api } = daemonForSuite(["--upload-limit", "8MiB"]);
  before(async () => {
    await api.add(text("hello world\n"));
  });

  describe("cat", () => {
    it("reads a file, with offset and length as Kubo's sharness checks them", async () => {
      const { cid } = await api.add({ path: "hello.txt", content: text("Hello Worlds!\n") });
      assert.equal(await catText(api, cid.toString()), "Hello Worlds!\n");
      assert.equal(await catText(api, cid.toString(), { offset: 10 }), "ds!\n");
      assert.equal(await catText(api, cid.toString(), { length: 8 }), "Hello Wo");
      assert.equal(await catText(api, cid.toString(), { length: 0 }), "");
      assert.equal(await catText(api, cid.toString(), { length: 100 }), "Hello Worlds!\n");
      assert.equal(await catText(api, `/ipfs/${cid}`), "Hello Worlds!\n");
    });
    it("reads a multi-chunk range across chunk boundaries", async () => {
      const { cid } = await api.add(seededBytes(1_000_000, 3));
      const whole = Buffer.concat(await collectAll(seededBytes(1_000_000, 3)));
      const chunks = await collectAll(api.cat(cid, { offset: 262_000, length: 300_000 }));
      assert.ok(Buffer.concat(chunks).equals(whole.subarray(262_000, 562_000)));
    });
    it("refuses a directory", async () => {
      const dir = (await collectAll(api.addAll([{ path: "d/a.txt", content: text("a") }]))).at(-1);
      await assert.rejects(catText(api, String(dir?.cid)), /this dag node is a directory/);
    });
  });

  describe("ls", () => {
    it("lists a directory's links with names, sizes and types", async () => {
      const added = await collectAll(
        api.addAll([
          { path: "site/index.md", content: text("# hi\n") },
          { path: "site/img/a.png", content: text("png") },
        ]),
      );
      const root = added.at(-1)?.cid as CID;
      const entries = await collectAll(api.ls(root));
      assert.deepEqual(
        entries.map((entry) => [entry.name, entry.type, entry.size]),
        [
          ["img", "dir", 0],
          ["index.md", "file", 5],
        ],
      );
      assert.equal(entries[1].cid.toString(), added.find((entry) => entry.path === "site/index.md")?.cid.toString());
    });
  });

  describe("pins", () => {
    it("pin add / ls / rm, recursive and direct", async () => {
      const { cid } = await api.add(text("pin me\n"), { pin: false });
      assert.equal((await api.pin.add(cid)).toString(), cid.toString());
      const listed = await collectAll(api.pin.ls({ paths: [cid] }));
      assert.deepEqual(
        listed.map((pin) => [pin.cid.toString(), pin.type]),
        [[cid.toString(), "recursive"]],
      );
      assert.equal((await api.pin.rm(cid)).toString(), cid.toString());
      await assert.rejects(api.pin.rm(cid), /not pinned/);

      await api.pin.add(cid, { recursive: false });
      const direct = await collectAll(api.pin.ls({ type: "direct" }));
      assert.ok(direct.some((pin) => pin.cid.toString() === cid.toString() && pin.type === "direct"));
      await api.pin.rm(cid, { recursive: false });
    });
    it("lists indirect pins (the children of recursive pins)", async () => {
      const added = await collectAll(api.addAll([{ path: "p/child.txt", content: text("child\n") }]));
      const child = added[0].cid.toString();
      const indirect = await collectAll(api.pin.ls({ type: "indirect" }));
      assert.ok(indirect.some((pin) => pin.cid.toString() === child));
    });
    it("blocks shared by two pins stay while either pin holds them (pin, unpin, re-pin, unpin the other, gc)", async () => {
      const shared = text("a block both entries contain\n");
      const a = (
        await collectAll(
          api.addAll([
            { path: "a/shared.txt", content: shared },
            { path: "a/only-a.txt", content: text("a\n") },
          ]),
        )
      ).at(-1)!.cid;
      const b = (
        await collectAll(
          api.addAll([
            { path: "b/shared.txt", content: shared },
            { path: "b/only-b.txt", content: text("b\n") },
          ]),
        )
      ).at(-1)!.cid;
      await api.pin.rm(a);
      await api.pin.add(a);
      await api.pin.rm(b);
      await collectAll(api.repo.gc());
      assert.equal(await catText(api, `/ipfs/${a}/shared.txt`), "a block both entries contain\n");
      await api.pin.rm(a);
      await collectAll(api.repo.gc());
      await assert.rejects(catText(api, `/ipfs/${a}/shared.txt`), /not in this node's store/);
    });
    it("refuses to pin a CID whose blocks are not here, at once", async () => {
      const missing = CID.createV1(0x55, await sha256.digest(text("never added")));
      const started = Date.now();
      await assert.rejects(api.pin.add(missing), /not in this node's store/);
      assert.ok(Date.now() - started < 5000);
    });
    it("pins several paths of one request at once, listed in their order; a path that fails does not stop the others", async () => {
      const first = (await api.add(text("first of a batch\n"), { pin: false })).cid.toString();
      const second = (await api.add(text("second of a batch\n"), { pin: false })).cid.toString();
      const both = await post(`${daemon.apiUrl}/api/v0/pin/add?arg=${second}&arg=${first}`);
      assert.equal(both.status, 200, both.body);
      assert.deepEqual(JSON.parse(both.body), { Pins: [second, first] });

      // the failing path comes first: pinned one after another, the local one would never be tried
      const local = (await api.add(text("pinned beside a missing root\n"), { pin: false })).cid.toString();
      const missing = CID.createV1(0x55, await sha256.digest(text("in no store"))).toString();
      const mixed = await post(`${daemon.apiUrl}/api/v0/pin/add?arg=${missing}&arg=${local}`);
      assert.equal(mixed.status, 500, mixed.body);
      assert.match(JSON.parse(mixed.body).Message, new RegExp(missing));
      const pinnedLocal = async () => (await collectAll(api.pin.ls({ type: "recursive" }))).some((pin) => pin.cid.toString() === local);
      const deadline = Date.now() + 10_000;
      while (!(await pinnedLocal())) {
        assert.ok(Date.now() < deadline, "the local root of the failed request was never pinned");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
  });

  describe("blocks and DAGs", () => {
    it("block put / get / stat, raw and dag-pb", async () => {
      const bytes = text("a raw block");
      const cid = await api.block.put(bytes);
      assert.equal(cid.toString(), CID.createV1(0x55, await sha256.digest(bytes)).toString());
      assert.deepEqual(Buffer.from(await api.block.get(cid)), Buffer.from(bytes));
      assert.deepEqual(await api.block.stat(cid), { cid, size: bytes.length });
      const pbBlock = await api.block.get(CID.parse(HELLO));
      const v0 = await api.block.put(pbBlock, { format: "v0" } as never);
      assert.equal(v0.toString(), HELLO);
    });
    it("refuses a dag-pb block that does not decode", async () => {
      await assert.rejects(api.block.put(text("not protobuf \xff\xff"), { cidCodec: "dag-pb" } as never), /not valid dag-pb/);
    });
    it("dag stat counts blocks and bytes", async () => {
      const { cid } = await api.add(seededBytes(600_000, 9));
      const { status, body } = await post(`${daemon.apiUrl}/api/v0/dag/stat?arg=${cid}&progress=false`);
      assert.equal(status, 200);
      const stat = JSON.parse(body);
      assert.equal(stat.UniqueBlocks, 4);
      assert.equal(stat.DagStats[0].NumBlocks, 4);
      assert.equal(stat.DagStats[0].Cid["/"], cid.toString());
      assert.ok(stat.TotalSize > 600_000);
    });
  });

  describe("node information", () => {
    it("id, version and repo stat", async () => {
      const id = await api.id();
      assert.match(id.id.toString(), /^12D3KooW/);
      assert.match(id.agentVersion, /til-ipfs-node/);
      const version = await api.version();
      assert.equal(typeof version.version, "string");
      const stat = await api.repo.stat();
      assert.ok(stat.numObjects > 0n);
      assert.ok(stat.repoSize > 0n);
    });
    it("repo gc removes unpinned blocks only", async () => {
      const keep = await api.add(text("kept by its pin\n"));
      const keepBig = await api.add(seededBytes(1_500_000, 13));
      const drop = await api.add(text("dropped by gc\n"), { pin: false });
      const removed = (await collectAll(api.repo.gc())).map((result) => result.cid?.toString());
      assert.ok(removed.includes(CID.createV1(0x55, drop.cid.multihash).toString()), "gc reports removed blocks as raw CIDv1, as Kubo does");
      await assert.rejects(api.block.stat(drop.cid), /not in this node's store/);
      assert.equal(await catText(api, keep.cid.toString()), "kept by its pin\n");
      const whole = Buffer.concat(await collectAll(seededBytes(1_500_000, 13)));
      assert.ok(Buffer.concat(await collectAll(api.cat(keepBig.cid))).equals(whole), "every block of a pinned multi-block file survives gc");
      assert.equal(await catText(api, HELLO), "hello world\n");
    });
  });

  describe("bad input, answered as Kubo does and survived", () => {
    it("malformed CID: the command fails, 500 with Kubo's error body; missing argument: go-ipfs-cmds' plain-text 400", async () => {
      const bad = await post(`${daemon.apiUrl}/api/v0/cat?arg=not-a-cid`);
      assert.equal(bad.status, 500);
      const body = JSON.parse(bad.body);
      assert.equal(body.Type, "error");
      assert.equal(body.Code, 0);
      assert.match(body.Message, /invalid path "not-a-cid"/);
      const missing = await post(`${daemon.apiUrl}/api/v0/cat`);
      assert.equal(missing.status, 400);
      assert.equal(missing.body, 'argument "ipfs-path" is required\n');
    });
    it("unknown endpoint 404, GET 405", async () => {
      assert.equal((await post(`${daemon.apiUrl}/api/v0/nope`)).status, 404);
      assert.equal((await fetch(`${daemon.apiUrl}/api/v0/version`)).status, 405);
    });
    it("upload over the limit: 413 (declared length and streamed body)", async () => {
      await assert.rejects(api.add(seededBytes(9 * 1024 * 1024, 5)), /upload limit/);
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(9 * 1024 * 1024)]), "big.bin");
      const declared = await post(`${daemon.apiUrl}/api/v0/add`, { body: form });
      assert.equal(declared.status, 413);
      assert.match(JSON.parse(declared.body).Message, /upload limit of 8388608 bytes/);
      assert.equal((await api.version()).version.length > 0, true);
    });
    it("truncated and malformed multipart bodies", async () => {
      const head = '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: application/octet-stream\r\n\r\nsome bytes';
      const truncated = await rawRequest(daemon.apiUrl, "/api/v0/add", Buffer.from(head), false);
      assert.equal(truncated.status, 500);
      assert.match(truncated.body, /multipart|ended early/);
      const aborted = await rawRequest(daemon.apiUrl, "/api/v0/add", Buffer.from(head), true);
      assert.ok(aborted.status === 0 || aborted.status >= 400);
      const notMultipart = await post(`${daemon.apiUrl}/api/v0/add`, { body: "plain text", headers: { "Content-Type": "text/plain" } });
      assert.equal(notMultipart.status, 400);
      const empty = await post(`${daemon.apiUrl}/api/v0/add`, { body: "--XyZ--\r\n", headers: { "Content-Type": "multipart/form-data; boundary=XyZ" } });
      assert.equal(empty.status, 500);
      assert.equal(JSON.parse(empty.body).Message, "expected a file argument");
      assert.equal(await catText(api, HELLO), "hello world\n");
    });
    it("odd requests on both servers get an error answer and leave the node running", async () => {
      const odd: Array<[string, RequestInit]> = [
        [`${daemon.apiUrl}/api/v0/cat?arg=%ZZ`, { method: "POST" }],
        [`${daemon.apiUrl}/api/v0/cat?arg=${HELLO}&offset=abc`, { method: "POST" }],
        [`${daemon.apiUrl}/api/v0/cat?arg=/ipns/example.com`, { method: "POST" }],
        [`${daemon.apiUrl}/api/v0/ls?arg=${HELLO}/no/such/path`, { method: "POST" }],
        [`${daemon.apiUrl}/api/v0/pin/ls?type=sideways`, { method: "POST" }],
        [`${daemon.apiUrl}/api/v0/block/put?cid-codec=git-raw`, { method: "POST", body: "x" }],
        [`${daemon.apiUrl}/api/v0/add?cid-version=7`, { method: "POST", body: "x" }],
        [`${daemon.apiUrl}/api/v0/add`, { method: "POST", body: "--b\r\ngarbage", headers: { "Content-Type": "multipart/form-data; boundary=b" } }],
        [`${daemon.apiUrl}/api/v0/add`, { method: "POST", body: "x", headers: { "Content-Type": "multipart/form-data" } }],
        [`${daemon.gatewayUrl}/ipfs/`, {}],
        [`${daemon.gatewayUrl}/ipfs/${HELLO}/../../etc/passwd`, {}],
        [`${daemon.gatewayUrl}/ipfs/${HELLO}?format=car&dag-scope=everything`, {}],
        [`${daemon.gatewayUrl}/ipfs/%E0%A4%A`, {}],
        [`${daemon.gatewayUrl}/ipfs/${HELLO}`, { headers: { Range: "bytes=99-1" } }],
      ];
      for (const [url, init] of odd) {
        const response = await fetch(url, init);
        await response.arrayBuffer();
        assert.ok(response.status >= 400 && response.status < 600, `${url} answered ${response.status}`);
      }
      assert.equal(await catText(api, HELLO), "hello world\n");
    });
    it("concurrent adds of the same content agree and leave one consistent pin", async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => api.add(seededBytes(700_000, 11))));
      assert.equal(new Set(results.map((result) => result.cid.toString())).size, 1);
      const cid = results[0].cid;
      await api.pin.rm(cid);
      await collectAll(api.repo.gc());
      await assert.rejects(api.block.stat(cid), /not in this node's store/, "one pin rm unpins content added 8 times");
    });
  });

  describe("browser origins", () => {
    it("answers exactly the app's own origins and refuses others, other local Vite ports included", async () => {
      const allowed = await post(`${daemon.apiUrl}/api/v0/version`, { headers: { Origin: "http://localhost:5173" } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:5173");
      const preflight = await fetch(`${daemon.apiUrl}/api/v0/add`, {
        method: "OPTIONS",
        headers: { Origin: "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST" },
      });
      assert.equal(preflight.status, 200);
      assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
      for (const origin of ["http://evil.example", "http://127.0.0.1:4173", "http://localhost:3000"]) {
        const refused = await post(`${daemon.apiUrl}/api/v0/version`, { headers: { Origin: origin } });
        assert.equal(refused.status, 403, origin);
        assert.equal(refused.headers.get("access-control-allow-origin"), null);
      }
      const refusedPreflight = await fetch(`${daemon.apiUrl}/api/v0/add`, { method: "OPTIONS", headers: { Origin: "http://evil.example" } });
      assert.equal(refusedPreflight.status, 403);
    });
  });

  describe("who is asking", () => {
    /** POST /api/v0/version with exactly these headers (Host included), as a browser or a rebinding page would send them. */
    const ask = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(daemon.apiUrl);
        const req = http.request({ hostname, port, method: "POST", path: "/api/v0/version", headers, setHost: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once("error", reject);
        req.end();
      });
    const port = () => new URL(daemon.apiUrl).port;
    const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

    it("refuses a Host that is a name other than localhost (DNS rebinding), answers IP addresses and localhost", async () => {
      assert.equal(await ask({ host: `rebind.attacker.example:${port()}` }), 403);
      assert.equal(await ask({ host: `127.0.0.1.nip.example:${port()}` }), 403);
      assert.equal(await ask({}), 400, "HTTP/1.1 without Host is refused before it reaches the API");
      assert.equal(await ask({ host: `127.0.0.1:${port()}` }), 200);
      assert.equal(await ask({ host: `localhost:${port()}` }), 200);
      assert.equal(await ask({ host: `[::1]:${port()}` }), 200);
    });

    it("refuses a browser that sends neither Origin nor Referer, as Kubo does; command-line clients pass", async () => {
      const host = `127.0.0.1:${port()}`;
      assert.equal(await ask({ host, "user-agent": BROWSER }), 403);
      assert.equal(await ask({ host, "user-agent": BROWSER, referer: "http://localhost:5173/#/write" }), 200, "a Referer from the app's origin");
      assert.equal(await ask({ host, "user-agent": BROWSER, referer: "http://evil.example/page" }), 403, "a Referer from elsewhere");
      assert.equal(await ask({ host, "user-agent": "node" }), 200);
      assert.equal(await ask({ host }), 200, "curl-like: no User-Agent, no Origin");
    });
  });
});
