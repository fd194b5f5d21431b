/**
 * The static site (core/site) built from entries in memory: hostile titles, tags and bodies stay
 * text in pages and feeds, feeds pass a feed reader library and the Atom / JSON Feed checks,
 * every link is relative and lands on a file, the same entries give the same bytes, and one new
 * entry changes only the files that list it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { CID } from "multiformats/cid";
import { parseNote } from "#core/entry/note.ts";
import { buildSite, cidFromEnsContenthash, ensContenthash, escapeXml, tagSlug, type SiteConfig, type SiteEntry, type SiteFile } from "#core/site/index.ts";
import { writeSite } from "#core/site/write.node.ts";
import {
  checkAtomFeed,
  checkJsonFeed,
  checkLinks,
  checkRssFeed,
  checkScripts,
  type ExpectedItem,
  filesListingNewEntry,
  SITE_ALICE as ALICE,
  SITE_BOB as BOB,
  SITE_CIDS as CIDS,
} from "../support/site-checks.ts";

const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);

function entry(n: number, markdown: string, author = ALICE, images: SiteEntry["images"] = []): SiteEntry {
  return {
    tokenId: BigInt(1000 + n),
    cid: CIDS[n % CIDS.length],
    author,
    sequence: n,
    publishedAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    note: parseNote(markdown),
    images,
  };
}

const HOSTILE_TITLE = "<script>alert(1)</script> ]]> & \u202Egnp.exe";
const ENTRIES: SiteEntry[] = [
  entry(1, "---\ntitle: Postgres & indexes\ndate: 2026-01-02\ntags: [databases, sql]\n---\nUse `EXPLAIN`.\n\n![diagram](images/plan.png)\n", ALICE, [
    { path: "images/plan.png", bytes: PNG },
  ]),
  entry(
    2,
    `---\ntitle: ${JSON.stringify(HOSTILE_TITLE)}\ndate: 2026-01-03\ntags: ["<script>", "]]>", "../../etc", "a/b\\u0000c", "Databases"]\n---\n<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n\nText with \u0001 control and ]]> end.\n`,
    BOB,
  ),
  entry(3, "---\ntitle: Undated note\ntags: []\n---\nNo date here.\n"),
];
const CONFIG: SiteConfig = {
  title: "Our TIL & <friends>",
  description: "notes",
  authorNames: { [BOB.toLowerCase()]: "Bob <b>" },
  chainId: 31337,
  registry: REGISTRY,
  publicGateway: "https://dweb.link",
};

const fileMap = (files: SiteFile[]) => new Map(files.map((f) => [f.path, new TextDecoder().decode(f.bytes)]));
const urn = (e: SiteEntry) => `urn:til:31337:${REGISTRY.toLowerCase()}:${e.tokenId}`;
const expectedItems = (entries: SiteEntry[]): ExpectedItem[] => entries.map((e) => ({ id: urn(e), title: e.note.title, published: e.publishedAt }));

describe("static site", () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "til-site-"));
    dirs.push(dir);
    return dir;
  };

  it("lists entries newest first by note date, undated last, in the index, the feeds and the search index", () => {
    const files = fileMap(buildSite(ENTRIES, CONFIG));
    const order = [ENTRIES[1], ENTRIES[0], ENTRIES[2]];
    checkAtomFeed(files.get("atom.xml")!, expectedItems(order));
    checkJsonFeed(files.get("feed.json")!, expectedItems(order));
    checkRssFeed(files.get("rss.xml")!, expectedItems(order));
    const search = JSON.parse(files.get("search-index.json")!) as { entries: { title: string }[] };
    assert.deepEqual(
      search.entries.map((e) => e.title),
      order.map((e) => e.note.title),
    );
  });

  it("writes a feed per tag and per author with only their entries", () => {
    const files = fileMap(buildSite(ENTRIES, CONFIG));
    const databases = `tags/${tagSlug("databases")}/`;
    checkAtomFeed(files.get(`${databases}atom.xml`)!, expectedItems([ENTRIES[1], ENTRIES[0]]));
    checkJsonFeed(files.get(`${databases}feed.json`)!, expectedItems([ENTRIES[1], ENTRIES[0]]));
    checkRssFeed(files.get(`${databases}rss.xml`)!, expectedItems([ENTRIES[1], ENTRIES[0]]));
    checkAtomFeed(files.get(`authors/${BOB.toLowerCase()}/atom.xml`)!, expectedItems([ENTRIES[1]]));
    checkJsonFeed(files.get(`authors/${ALICE.toLowerCase()}/feed.json`)!, expectedItems([ENTRIES[0], ENTRIES[2]]));
  });

  it("keeps hostile titles, tags, bodies and author names as text in pages and feeds", () => {
    const files = fileMap(buildSite(ENTRIES, CONFIG));
    for (const [name, text] of files) {
      if (name === "search.js" || name.endsWith(".png")) continue;
      if (name.endsWith(".json")) {
        // JSON carries titles and tags as text (a reader escapes them); the HTML it carries is safe.
        for (const item of (JSON.parse(text) as { items?: { content_html: string }[] }).items ?? [])
          assert.doesNotMatch(item.content_html, /<script|onerror|<img src=x/i);
        continue;
      }
      assert.doesNotMatch(text, /<script>|<script [^s]|onerror=|<img src=x/i, `${name} carries markup from an entry`);
      assert.doesNotMatch(text, /<b>/, `${name} carries the author name's markup`);
      assert.doesNotMatch(text, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, `${name} carries a control character`);
    }
    const atom = files.get("atom.xml")!;
    assert.ok(atom.includes(escapeXml(HOSTILE_TITLE)));
    // The feed reader gets the title back exactly, markup and RLO included, as text.
    checkAtomFeed(atom, expectedItems([ENTRIES[1], ENTRIES[0], ENTRIES[2]]));
    assert.match(
      files.get(`entries/${ENTRIES[1].tokenId}/index.html`)!,
      /<bdi>&#60;script&#62;alert\(1\)&#60;\/script&#62; \]\]&#62; &#38; \u202Egnp\.exe<\/bdi>/,
    );
  });

  it("names tag folders with a slug and a hash: no `..`, no `/`, no NUL, no collision", () => {
    const slugs = ["<script>", "]]>", "../../etc", "a/b\u0000c", "..", "c++", "c#", "C++"].map(tagSlug);
    for (const slug of slugs) assert.match(slug, /^[a-z0-9-]+-[0-9a-f]{16}$/);
    assert.equal(tagSlug("c++"), tagSlug("C++"));
    assert.notEqual(tagSlug("c++"), tagSlug("c#"));
    assert.equal(new Set(slugs).size, slugs.length - 1);
    const paths = buildSite(ENTRIES, CONFIG).map((f) => f.path);
    for (const p of paths)
      assert.ok(
        p.split("/").every((s) => s !== "" && s !== ".." && s !== "." && !s.includes("\0")),
        p,
      );
  });

  it("links only relatively, every link to a file, and has no script but search.js", async () => {
    const out = await tempDir();
    await writeSite(out, buildSite(ENTRIES, CONFIG));
    assert.ok(checkLinks(out) > 50);
    checkScripts(out);
  });

  it("gives the same bytes for the same entries, in any order", () => {
    const a = buildSite(ENTRIES, CONFIG);
    const b = buildSite([...ENTRIES].reverse(), CONFIG);
    assert.deepEqual(b, a);
  });

  it("after one new entry rewrites only the files that list it", async () => {
    const out = await tempDir();
    const first = await writeSite(out, buildSite(ENTRIES, CONFIG));
    assert.equal(first.unchanged, 0);
    const again = await writeSite(out, buildSite(ENTRIES, CONFIG));
    assert.deepEqual({ written: again.written, removed: again.removed }, { written: 0, removed: 0 });
    const added = entry(4, "---\ntitle: New one\ndate: 2026-01-04\ntags: [sql]\n---\nnew\n");
    const next = await writeSite(out, buildSite([...ENTRIES, added], CONFIG));
    assert.deepEqual(next.writtenPaths, [...filesListingNewEntry(ALICE, "sql"), `entries/${added.tokenId}/index.html`].sort());
    assert.equal(next.removed, 0);
  });

  it("writes sitemap.xml and absolute feed links only with a base URL", () => {
    assert.ok(!fileMap(buildSite(ENTRIES, CONFIG)).has("sitemap.xml"));
    const files = fileMap(buildSite(ENTRIES, { ...CONFIG, baseUrl: "https://til.example.org/notes/" }));
    assert.match(files.get("sitemap.xml")!, /<loc>https:\/\/til\.example\.org\/notes\/entries\/1001\/<\/loc>/);
    const feed = JSON.parse(files.get("feed.json")!) as { items: { url: string; content_html: string }[] };
    assert.equal(feed.items.find((i) => i.url.endsWith("/1001/index.html"))!.url, "https://til.example.org/notes/entries/1001/index.html");
    assert.match(files.get("atom.xml")!, /src=&#34;https:\/\/til\.example\.org\/notes\/entries\/1001\/images\/plan\.png&#34;/);
  });

  it("copies an entry's images beside its page", () => {
    const files = buildSite(ENTRIES, CONFIG);
    assert.deepEqual(files.find((f) => f.path === "entries/1001/images/plan.png")?.bytes, PNG);
  });

  it("encodes the ENS contenthash per ENSIP-7 (0xe301 + CIDv1) and decodes it back", () => {
    // ENSIP-7's own example: the CIDv0 QmRAQB6Y... as a CIDv1 dag-pb.
    assert.equal(
      ensContenthash("QmRAQB6YaCyidP37UdDnjFY5vQuiBrcqdyoW1CuDgwxkD4"),
      "0xe3010170122029f2d17be6139079dc48696d1f582a8530eb9805b561eda517e22a892c7e3f1f",
    );
    assert.equal(cidFromEnsContenthash(ensContenthash(CIDS[0])), CIDS[0]);
    assert.equal(
      CID.parse(cidFromEnsContenthash("0xe3010170122029f2d17be6139079dc48696d1f582a8530eb9805b561eda517e22a892c7e3f1f")).toV0().toString(),
      "QmRAQB6YaCyidP37UdDnjFY5vQuiBrcqdyoW1CuDgwxkD4",
    );
  });

  it("paginates the index 50 per page with relative prev/next links, and feeds keep the newest 100", async () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      entry(
        10 + i,
        `---\ntitle: Note ${i}\ndate: 2025-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}\ntags: [bulk]\n---\nBody ${i}.\n`,
      ),
    );
    const files = fileMap(buildSite(many, CONFIG));
    assert.ok(files.has("page/2/index.html") && files.has("page/3/index.html") && !files.has("page/4/index.html"));
    assert.equal((files.get("index.html")!.match(/<li class="entry">/g) ?? []).length, 50);
    assert.equal((files.get("page/3/index.html")!.match(/<li class="entry">/g) ?? []).length, 20);
    assert.match(
      files.get("page/2/index.html")!,
      /<a rel="prev" href="\.\.\/\.\.\/index\.html">Newer<\/a> <span>Page 2 of 3<\/span> <a rel="next" href="\.\.\/\.\.\/page\/3\/index\.html">Older<\/a>/,
    );
    assert.equal((JSON.parse(files.get("feed.json")!) as { items: unknown[] }).items.length, 100);
    const out = await tempDir();
    await writeSite(out, buildSite(many, CONFIG));
    checkLinks(out);
  });
});
