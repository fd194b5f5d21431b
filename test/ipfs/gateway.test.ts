/**
 * The HTTP gateway of a started node: content on its own origin (the subdomain gateway of Kubo's
 * `localhost`: files, index.html, listings, content types, ranges, caching headers, errors), path
 * requests on localhost and loopback IPs redirected there, the trustless gateway (raw blocks and
 * CARs that a browser can verify block by block against their CIDs) on the path form, CORS open
 * for reads, and files built to hurt kept inert (nosniff, a sandbox CSP, types only from names).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CarReader } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { ENTRY_ADD_OPTIONS, packEntry, parseNote } from "#core/entry/index.ts";
import { ENTRY_PAGE_CSP } from "#core/entry/page.ts";
import { subdomainLabel } from "#core/gateway-url.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { collectAll, seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";
import { fetchOnOwnOrigin, fetchWithHost, type HostRequestInit } from "./gateway-request.ts";

const text = (value: string) => new TextEncoder().encode(value);

/** The gateway's policy for everything but a site's own index.html: no script, whatever the type. */
const SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/** Files a stranger publishes beside a note, built to run script when opened on the gateway. */
const HOSTILE = {
  htmlAsPng: "<!doctype html><html><body><script>document.title='pwned';localStorage.setItem('pwned','1')</script></body></html>",
  svgOnload: "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"document.title='pwned'\"><script>localStorage.setItem('pwned','1')</script></svg>",
  htmlWithoutExtension: "<html><body><script>document.title='pwned'</script></body></html>",
  plainText: "just words\n",
};

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
  const { daemon, api } = daemonForSuite();
  let site: CID;
  let notes: CID;
  let big: CID;
  /** A TIL entry (packed as the app and the CLI pack it) with hostile files added beside it by hand. */
  let entry: CID;
  const bigBytes = async () => Buffer.concat(await collectAll(seededBytes(600_000, 21)));
  /** `path` inside `cid` on its own origin, `http://<cid>.ipfs.localhost:<port>/<path>`. */
  const own = (cid: CID, path = "", init: HostRequestInit = {}) => fetchOnOwnOrigin(daemon.gatewayUrl, cid, path, init);

  before(async () => {
    const added = await collectAll(
      api.addAll([
        { path: "site/index.html", content: text("<!doctype html><h1>TIL</h1>") },
        { path: "site/style.css", content: text("h1 { color: red }") },
        { path: "site/docs/index.html", content: text("<!doctype html><h1>Docs</h1>") },
      ]),
    );
    site = added.at(-1)!.cid;
    const noteAdds = await collectAll(
      api.addAll([
        { path: "notes/2026-01-01-ipfs.md", content: text("# IPFS\n\nContent addressing.\n") },
        { path: "notes/data.bin", content: Uint8Array.from([0, 1, 2, 3, 0xff]) },
        { path: "notes/unnamed", content: text("plain words\n") },
        { path: "notes/<script>.txt", content: text("x") },
      ]),
    );
    notes = noteAdds.at(-1)!.cid;
    big = (await api.add(seededBytes(600_000, 21))).cid;
    const packed = await packEntry(parseNote("# A note with company\n\nSome text.\n"));
    const entryFiles = [
      ...packed.files.map((file) => ({ path: `entry/${file.path}`, content: file.content })),
      { path: "entry/images/evil.png", content: text(HOSTILE.htmlAsPng) },
      { path: "entry/images/evil.svg", content: text(HOSTILE.svgOnload) },
      { path: "entry/images/evil", content: text(HOSTILE.htmlWithoutExtension) },
      { path: "entry/notes.txt", content: text(HOSTILE.plainText) },
    ];
    entry = (await collectAll(api.addAll(entryFiles, ENTRY_ADD_OPTIONS))).at(-1)!.cid;
  });

  describe("content on its own origin (subdomain gateway)", () => {
    it("serves a file with its content type, ETag and immutable caching", async () => {
      const response = await own(notes, "2026-01-01-ipfs.md");
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "# IPFS\n\nContent addressing.\n");
      assert.equal(response.headers.get("content-type"), "text/markdown; charset=utf-8");
      assert.match(response.headers.get("cache-control") ?? "", /immutable/);
      const etag = response.headers.get("etag");
      assert.match(etag ?? "", /^"Qm/);
      assert.equal(response.headers.get("x-ipfs-path"), `/ipfs/${subdomainLabel(notes)}/2026-01-01-ipfs.md`);
      const again = await own(notes, "2026-01-01-ipfs.md", { headers: { "If-None-Match": etag as string } });
      assert.equal(again.status, 304);
    });
    it("?filename= and ?download=true name the download, never its type", async () => {
      const response = await own(big, `?filename=${encodeURIComponent("résumé.pdf")}&download=true`, { method: "HEAD" });
      assert.equal(response.headers.get("content-type"), "application/octet-stream", "the type is sniffed from the bytes, not taken from ?filename=");
      assert.equal(response.headers.get("content-disposition"), `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    });
    it("sniffs the content type when the name does not tell", async () => {
      const binary = await own(notes, "data.bin");
      assert.equal(binary.headers.get("content-type"), "application/octet-stream");
      const plain = await own(notes, "unnamed");
      assert.equal(plain.headers.get("content-type"), "text/plain; charset=utf-8");
    });
    it("serves index.html for a directory, redirecting to the trailing slash", async () => {
      const index = await own(site);
      assert.equal(index.status, 200);
      assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(await index.text(), "<!doctype html><h1>TIL</h1>");
      const redirect = await own(site, "docs?x=1");
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get("location"), "/docs/?x=1");
      const docs = await own(site, "docs/");
      assert.equal(await docs.text(), "<!doctype html><h1>Docs</h1>");
    });
    it("lists a directory without index.html, escaping names", async () => {
      const listing = await own(notes);
      assert.equal(listing.status, 200);
      const html = await listing.text();
      assert.match(html, /href="\/2026-01-01-ipfs\.md"/, "links are paths on the content's own origin");
      assert.ok(!html.includes("<script>"), "file names are HTML-escaped");
    });
    it("answers Range requests (206, 416) across chunk boundaries", async () => {
      const whole = await bigBytes();
      const part = await own(big, "", { headers: { Range: "bytes=262100-262299" } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), "bytes 262100-262299/600000");
      assert.ok(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(262100, 262300)));
      const suffix = await own(big, "", { headers: { Range: "bytes=-10" } });
      assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(-10)));
      const outside = await own(big, "", { headers: { Range: "bytes=600000-" } });
      assert.equal(outside.status, 416);
      assert.equal((await own(big, "", { headers: { Range: "bytes=99-1" } })).status, 416, "a range that ends before it starts");
      const full = await own(big);
      assert.ok(Buffer.from(await full.arrayBuffer()).equals(whole));
    });
    it("HEAD gives the headers without a body", async () => {
      const head = await own(big, "", { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "600000");
      assert.equal((await head.arrayBuffer()).byteLength, 0);
    });
    it("400 for a bad CID, 404 for a missing path, 504 at once for content not here", async () => {
      const bad = await fetch(`${daemon.gatewayUrl}/ipfs/not-a-cid`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /invalid path/);
      const missingPath = await own(notes, "nope.md");
      assert.equal(missingPath.status, 404);
      const absent = CID.createV1(0x55, await sha256.digest(text("not on this node")));
      const started = Date.now();
      const missingBlock = await own(absent);
      assert.equal(missingBlock.status, 504);
      assert.ok(Date.now() - started < 3000, "a missing block is answered at once, not after a hang");
      assert.equal((await fetch(`${daemon.gatewayUrl}/elsewhere`)).status, 404);
      assert.equal((await own(notes, "", { method: "POST" })).status, 405);
      assert.equal((await fetch(`${daemon.gatewayUrl}/ipfs/${notes}/`, { method: "POST" })).status, 405);
      const notACidHost = await fetchWithHost(daemon.gatewayUrl, `not-a-cid.ipfs.localhost:${new URL(daemon.gatewayUrl).port}`, "/");
      assert.equal(notACidHost.status, 400);
    });
    it("serves files from a directory big enough for Kubo to shard it (HAMT)", async () => {
      const name = (i: number) => `${"long-note-name-".repeat(14)}${String(i).padStart(5, "0")}.md`;
      const files = Array.from({ length: 1200 }, (_, i) => ({ path: `big/${name(i)}`, content: text(`note ${i}\n`) }));
      const root = (await collectAll(api.addAll(files))).at(-1)!.cid;
      const rootNode = dagPb.decode(await api.block.get(root));
      assert.equal(UnixFS.unmarshal(rootNode.Data as Uint8Array).type, "hamt-sharded-directory", "over 256 KiB of links: sharded, as Kubo does");
      const file = await own(root, name(777));
      assert.equal(file.status, 200);
      assert.equal(await file.text(), "note 777\n");
      assert.equal((await own(root, "no-such-note.md")).status, 404);
      assert.equal((await collectAll(api.ls(root))).length, 1200);
    });
    it("answers a small file again from its ready response, until gc removes it (then 504)", async () => {
      const { cid } = await api.add({ path: "gone.md", content: text("# soon gone\n") }, { wrapWithDirectory: true });
      const first = await own(cid, "gone.md");
      assert.equal(await first.text(), "# soon gone\n");
      const second = await own(cid, "gone.md", { headers: { Origin: "https://any.example" } });
      assert.equal(second.status, 200);
      assert.equal(await second.text(), "# soon gone\n");
      assert.equal(second.headers.get("content-type"), "text/markdown; charset=utf-8");
      assert.equal(second.headers.get("etag"), first.headers.get("etag"));
      assert.equal(second.headers.get("access-control-allow-origin"), "*");
      assert.match(second.headers.get("cache-control") ?? "", /immutable/);
      assert.equal(second.headers.get("x-content-type-options"), "nosniff", "the ready response carries the same security headers");
      assert.equal(second.headers.get("content-security-policy"), first.headers.get("content-security-policy"));
      assert.equal(second.headers.get("x-ipfs-path"), `/ipfs/${subdomainLabel(cid)}/gone.md`);
      assert.equal((await own(cid, "gone.md", { headers: { "If-None-Match": first.headers.get("etag") as string } })).status, 304);
      const navigation = await fetchWithHost(daemon.gatewayUrl, new URL(daemon.gatewayUrl).host, `/ipfs/${cid}/gone.md`, {
        headers: { "Sec-Fetch-Mode": "navigate" },
      });
      assert.equal(navigation.status, 301, "a browser opening the path form is redirected, not answered from the ready response");
      await api.pin.rm(cid);
      await collectAll(api.repo.gc());
      assert.equal((await own(cid, "gone.md")).status, 504);
    });
    it("is open to every origin for reads (CORS)", async () => {
      const response = await own(notes, "2026-01-01-ipfs.md", { headers: { Origin: "https://any.example" } });
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      const preflight = await own(notes, "", {
        method: "OPTIONS",
        headers: { Origin: "https://any.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range" },
      });
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

  describe("origin isolation", () => {
    const port = () => new URL(daemon.gatewayUrl).port;
    it("redirects (301) a path request on localhost to the subdomain, CID as CIDv1 base32, path and query kept (Kubo's localhost gateway)", async () => {
      const response = await fetchWithHost(daemon.gatewayUrl, `localhost:${port()}`, `/ipfs/${notes}/2026-01-01-ipfs.md?x=1&y=%C3%A9`);
      assert.equal(response.status, 301);
      const label = CID.parse(notes.toString()).toV1().toString();
      assert.match(label, /^bafybei[a-z2-7]{52}$/, "the CIDv0 becomes CIDv1 in base32");
      assert.equal(response.headers.get("location"), `http://${label}.ipfs.localhost:${port()}/2026-01-01-ipfs.md?x=1&y=%C3%A9`);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      const root = await fetchWithHost(daemon.gatewayUrl, `localhost:${port()}`, `/ipfs/${entry}`);
      assert.equal(root.headers.get("location"), `http://${entry}.ipfs.localhost:${port()}/`);
      const raw = await fetchWithHost(daemon.gatewayUrl, `localhost:${port()}`, `/ipfs/${entry}?format=raw`);
      assert.equal(raw.status, 301, "as Kubo does, localhost redirects trustless requests too");
      assert.equal(raw.headers.get("location"), `http://${entry}.ipfs.localhost:${port()}/?format=raw`);
    });
    it("redirects a browser opening a page on a loopback IP the same way (Sec-Fetch-Mode: navigate; 127.0.0.1, ::1)", async () => {
      const navigate = { "Sec-Fetch-Mode": "navigate" };
      const response = await fetchWithHost(daemon.gatewayUrl, `127.0.0.1:${port()}`, `/ipfs/${entry}/images/evil.png`, { headers: navigate });
      assert.equal(response.status, 301);
      assert.equal(response.headers.get("location"), `http://${entry}.ipfs.localhost:${port()}/images/evil.png`);
      const head = await fetchWithHost(daemon.gatewayUrl, `127.0.0.1:${port()}`, `/ipfs/${entry}/`, { method: "HEAD", headers: navigate });
      assert.equal(head.status, 301);
      const v6 = await fetchWithHost(daemon.gatewayUrl, `[::1]:${port()}`, `/ipfs/${entry}/index.md`, { headers: navigate });
      assert.equal(v6.headers.get("location"), `http://${entry}.ipfs.localhost:${port()}/index.md`);
    });
    it("serves tools on a loopback IP as Kubo's path gateway, everything inert on that shared origin (index.html included)", async () => {
      const png = await fetch(`${daemon.gatewayUrl}/ipfs/${entry}/images/evil.png`, { redirect: "manual" });
      assert.equal(png.status, 200);
      assert.equal(png.headers.get("content-type"), "image/png");
      assert.equal(png.headers.get("content-security-policy"), SANDBOX_CSP);
      const index = await fetch(`${daemon.gatewayUrl}/ipfs/${entry}/`, { redirect: "manual" });
      assert.equal(index.status, 200);
      assert.equal(index.headers.get("content-security-policy"), SANDBOX_CSP);
      assert.equal(index.headers.get("x-content-type-options"), "nosniff");
    });
    it("keeps trustless requests on the path form of a loopback IP, without redirect (the verified reader's raw blocks, CARs)", async () => {
      for (const [query, headers] of [
        ["?format=raw", { accept: "application/vnd.ipld.raw" }],
        ["?format=raw", {}],
        ["", { accept: "application/vnd.ipld.raw" }],
        ["?format=car", {}],
        ["?format=raw", { "sec-fetch-mode": "navigate" }],
      ] as const) {
        const response = await fetchWithHost(daemon.gatewayUrl, new URL(daemon.gatewayUrl).host, `/ipfs/${entry}${query}`, { headers });
        assert.equal(response.status, 200, `${query} ${JSON.stringify(headers)}`);
        assert.match(response.headers.get("content-type") ?? "", /^application\/vnd\.ipld\.(raw|car)/);
        assert.equal(response.headers.get("x-content-type-options"), "nosniff");
        assert.equal(response.headers.get("content-security-policy"), SANDBOX_CSP);
      }
      const reader = new VerifiedGatewayBlockstore([daemon.gatewayUrl]);
      const block = await reader.getBlock(entry);
      assert.deepEqual(reader.failures, []);
      assert.ok(block.byteLength > 0);
    });
    it("serves the content root at / of its own origin: files, index, 404s, and no /ipfs/ namespace inside", async () => {
      const page = await own(entry);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<h1 dir="auto">A note with company<\/h1>/);
      assert.equal(await (await own(entry, "notes.txt")).text(), HOSTILE.plainText);
      assert.equal((await own(entry, "nope.md")).status, 404);
      assert.equal((await own(entry, `ipfs/${entry}/index.md`)).status, 404, "the subdomain's paths are inside its root only");
      const listing = await own(entry, "images/");
      assert.match(await listing.text(), /href="\/images\/evil\.png"/);
    });
    it("is a plain path gateway under any other host name, with everything sandboxed (one origin shared by all content)", async () => {
      const page = await fetchWithHost(daemon.gatewayUrl, `gateway.example:${port()}`, `/ipfs/${site}/`);
      assert.equal(page.status, 200);
      assert.equal(await page.text(), "<!doctype html><h1>TIL</h1>");
      assert.equal(page.headers.get("content-security-policy"), SANDBOX_CSP, "no script on the shared origin, index.html included");
    });
  });

  describe("files built to hurt", () => {
    for (const [name, path, type] of [
      ["HTML renamed .png", "images/evil.png", "image/png"],
      ["an SVG with onload", "images/evil.svg", "image/svg+xml"],
      ["a file without extension starting with <html", "images/evil", "text/plain; charset=utf-8"],
    ] as const) {
      it(`${name}: typed by its name only (${type}), nosniff, and the sandbox CSP, also from the ready response`, async () => {
        for (const attempt of ["first", "ready"]) {
          const response = await own(entry, path);
          assert.equal(response.status, 200);
          assert.equal(response.headers.get("content-type"), type, attempt);
          assert.equal(response.headers.get("x-content-type-options"), "nosniff", attempt);
          assert.equal(response.headers.get("content-security-policy"), SANDBOX_CSP, attempt);
        }
      });
    }
    it("?filename=x.html names an attachment and never makes a file HTML", async () => {
      for (const [filename, disposition] of [
        ["x.html", "attachment"],
        ["x.svg", "attachment"],
        ["x.xml", "attachment"],
        ["x.txt", "inline"],
      ] as const) {
        const response = await own(entry, `notes.txt?filename=${filename}`);
        assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8", filename);
        assert.equal(response.headers.get("content-disposition"), `${disposition}; filename="${filename}"; filename*=UTF-8''${filename}`);
        assert.equal(response.headers.get("x-content-type-options"), "nosniff");
        assert.equal(response.headers.get("content-security-policy"), SANDBOX_CSP);
      }
      const sniffed = await own(entry, "images/evil?filename=page.html");
      assert.equal(sniffed.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.match(sniffed.headers.get("content-disposition") ?? "", /^attachment;/);
    });
    it("listings, errors and redirects carry nosniff and the sandbox CSP too", async () => {
      const navigation = await fetchWithHost(daemon.gatewayUrl, new URL(daemon.gatewayUrl).host, `/ipfs/${entry}/`, {
        headers: { "Sec-Fetch-Mode": "navigate" },
      });
      assert.equal(navigation.status, 301);
      for (const response of [await own(entry, "images/"), await own(entry, "nope"), await own(entry, "images"), navigation]) {
        assert.equal(response.headers.get("x-content-type-options"), "nosniff", String(response.status));
        assert.equal(response.headers.get("content-security-policy"), SANDBOX_CSP, String(response.status));
      }
    });
    it("an entry's index.html carries the entry page's CSP as a header; a site's own index.html none; other index pages the sandbox", async () => {
      for (const path of ["", "index.html"]) {
        const page = await own(entry, path);
        assert.equal(page.headers.get("content-security-policy"), ENTRY_PAGE_CSP, `/${path}`);
        assert.ok(
          (await page.text()).includes(`<meta http-equiv="Content-Security-Policy" content="${ENTRY_PAGE_CSP}">`),
          "the same policy as the page's meta tag",
        );
      }
      const again = await own(entry);
      assert.equal(again.headers.get("content-security-policy"), ENTRY_PAGE_CSP, "ready response");
      const shared = await fetch(`${daemon.gatewayUrl}/ipfs/${entry}/index.html`);
      assert.equal(shared.headers.get("content-security-policy"), SANDBOX_CSP, "on the shared origin, not the own-origin ready response");
      const siteIndex = await own(site);
      assert.equal(siteIndex.headers.get("content-security-policy"), null, "a site (such as the app on IPFS) runs its own scripts on its own origin");
      assert.equal(siteIndex.headers.get("x-content-type-options"), "nosniff");
      assert.equal(
        (await own(site, "docs/")).headers.get("content-security-policy"),
        SANDBOX_CSP,
        "only the root's index.html is a document that may run script",
      );
    });
  });
});
