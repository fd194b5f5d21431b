/**
 * `til site` from the terminal against the local stack: notes with hostile titles and tags
 * (`<script>`, `]]>`, `&`, a right-to-left override, `../`) imported, then built into a static
 * site whose every link is relative and lands on a file, whose only script is search.js, whose
 * feeds a feed reader parses with every entry; the same entries give the same bytes, one new
 * entry rewrites only the pages that list it, and `--pin` gives a CID the node serves (read
 * through the verified reader) and a contenthash that names it.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { cidFromEnsContenthash, tagSlug } from "#core/site/index.ts";
import { runTil, spawnTil, startStack, type Stack } from "../support/local-stack.ts";
import { dagBomb, entryWith, putAndMint, type Blocks } from "../support/dag-bombs.ts";
import { tinyPng } from "../support/quirks.ts";
import {
  checkAtomFeed,
  checkJsonFeed,
  checkLinks,
  checkRssFeed,
  checkScripts,
  filesListingNewEntry,
  siteFiles,
  type ExpectedItem,
} from "../support/site-checks.ts";

const HOSTILE_TITLE = "<script>alert(1)</script> ]]> & \u202Etxt.exe";

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = siteFiles(dir).filter((f) => f !== ".til-site");
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(path.join(dir, f))] as const)));
}

describe("til site against the local stack", () => {
  let work: string;
  let stack: Stack;
  let notes: string;
  let author: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-site-test-"));
    stack = await startStack(path.join(work, "home"));
    notes = path.join(work, "notes");
    await mkdir(path.join(notes, "images"), { recursive: true });
    await writeFile(path.join(notes, "images", "dot.png"), tinyPng(1));
    await writeFile(
      path.join(notes, "postgres.md"),
      "---\ntitle: Postgres & EXPLAIN\ndate: 2026-03-01\ntags: [databases, sql]\n---\nUse `EXPLAIN ANALYZE`.\n\n![a dot](images/dot.png)\n",
    );
    await writeFile(
      path.join(notes, "hostile.md"),
      `---\ntitle: ${JSON.stringify(HOSTILE_TITLE)}\ndate: 2026-03-02\ntags: ["<script>", "]]>", "../../etc", "a&b"]\n---\n<script>alert(2)</script>\n\n<img src="x" onerror="alert(3)">\n\nEnds with ]]> and & too.\n`,
    );
    await writeFile(path.join(notes, "git.md"), "---\ntitle: Git bisect\ndate: 2026-02-01\ntags: [git]\n---\n`git bisect run` finds the commit.\n");
    const imported = await runTil(["import", notes], stack.env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.summary().published, 3);
    const ls = await runTil(["ls", "--json"], stack.env);
    author = (JSON.parse(ls.stdout.trim().split("\n")[0]) as { author: string }).author;
  });

  after(async () => {
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const build = async (out: string, ...args: string[]) => {
    const run = await runTil(["site", path.join(work, out), "--title", "Team <TIL> & co", "--author-name", `${author}=Ann <b>`, ...args], stack.env);
    assert.equal(run.code, 0, run.stderr);
    return run;
  };

  it("builds pages that link only relatively to files that exist, with no script but search.js", async () => {
    const run = await build("site-a");
    const summary = run.summary();
    assert.equal(summary.entries, 3);
    assert.equal(summary.skipped, 0);
    assert.equal(summary.sitemap, false);
    assert.match(run.stderr, /no sitemap\.xml/);
    const out = path.join(work, "site-a");
    assert.ok(checkLinks(out) > 40);
    checkScripts(out);
    const files = siteFiles(out);
    for (const required of [
      "index.html",
      "atom.xml",
      "feed.json",
      "rss.xml",
      "search-index.json",
      "search.js",
      "search/index.html",
      "about/index.html",
      "tags/index.html",
      "authors/index.html",
      `tags/${tagSlug("../../etc")}/index.html`,
    ]) {
      assert.ok(files.includes(required), `${required} exists`);
    }
    assert.ok(
      files.some((f) => /^entries\/\d+\/images\/dot\.png$/.test(f)),
      "the image is copied beside its entry page",
    );
    const index = await readFile(path.join(out, "index.html"), "utf8");
    assert.ok(index.includes("&#60;script&#62;alert(1)&#60;/script&#62; ]]&#62; &#38; \u202Etxt.exe"), "the hostile title is escaped text");
    assert.ok(index.includes("Ann &#60;b&#62;"));
    const about = await readFile(path.join(out, "about/index.html"), "utf8");
    assert.match(about, /npm run til -- verify/);
    assert.match(about, /chain <code>31337<\/code>/);
  });

  it("writes feeds a feed reader reads with every entry, its id, dates and content", async () => {
    const out = path.join(work, "site-a");
    const ls = await runTil(["ls", "--json"], stack.env);
    const tokens = ls.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tokenId: string; title: string; date: string });
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as { address: string };
    const json = JSON.parse(await readFile(path.join(out, "feed.json"), "utf8")) as { items: { id: string; date_published: string }[] };
    const published = new Map(json.items.map((i) => [i.id, i.date_published]));
    const expected: ExpectedItem[] = [...tokens]
      .sort((a, b) => (a.date < b.date ? 1 : -1))
      .map((t) => {
        const id = `urn:til:31337:${deployment.address.toLowerCase()}:${t.tokenId}`;
        return { id, title: t.title, published: published.get(id)! };
      });
    expected[0].contentIncludes = "Ends with ]]&gt; and &amp; too.";
    checkJsonFeed(await readFile(path.join(out, "feed.json"), "utf8"), expected);
    checkAtomFeed(await readFile(path.join(out, "atom.xml"), "utf8"), expected);
    checkRssFeed(await readFile(path.join(out, "rss.xml"), "utf8"), expected);
    const sql = `tags/${tagSlug("sql")}/`;
    checkAtomFeed(
      await readFile(path.join(out, `${sql}atom.xml`), "utf8"),
      expected.filter((e) => e.title.startsWith("Postgres")).map(({ contentIncludes, ...e }) => e),
    );
  });

  it("gives the same bytes for the same entries, and a rebuild with nothing new writes nothing", async () => {
    await build("site-b");
    assert.deepEqual(await snapshot(path.join(work, "site-b")), await snapshot(path.join(work, "site-a")));
    const again = (await build("site-a")).summary();
    assert.deepEqual({ written: again.written, removed: again.removed }, { written: 0, removed: 0 });
  });

  it("after one new entry rewrites only the pages and feeds that list it", async () => {
    const out = path.join(work, "site-a");
    const before = await snapshot(out);
    await writeFile(path.join(notes, "vacuum.md"), "---\ntitle: VACUUM\ndate: 2026-03-05\ntags: [sql]\n---\nVACUUM reclaims space.\n");
    const imported = await runTil(["import", notes], stack.env);
    assert.equal(imported.code, 0, imported.stderr);
    const summary = (await build("site-a")).summary();
    const afterBuild = await snapshot(out);
    const changed = [...afterBuild.keys()].filter((f) => !before.get(f)?.equals(afterBuild.get(f)!)).sort();
    assert.equal(summary.written, changed.length);
    assert.equal(summary.removed, 0);
    const newPage = changed.filter((f) => /^entries\/\d+\/index\.html$/.test(f));
    assert.equal(newPage.length, 1, "only the new entry's page among the entry pages");
    assert.deepEqual(
      changed.filter((f) => !newPage.includes(f)),
      filesListingNewEntry(author, "sql"),
    );
    console.log(`after one new entry: ${summary.written} written, ${summary.unchanged} unchanged of ${summary.files}`);
  });

  it("--pin adds the site as one CIDv1 the node serves, with a contenthash that names it", async () => {
    const run = await build("site-a", "--pin", "--base-url", "https://til.example.org/");
    const summary = run.summary();
    const cid = summary.cid as string;
    assert.match(cid, /^bafybei[a-z2-7]{52}$/);
    assert.equal(cidFromEnsContenthash(summary.contenthash as string), cid);
    assert.match(summary.contenthash as string, /^0xe30101701220[0-9a-f]{64}$/);
    assert.ok(run.stdout.includes(`http://${cid}.ipfs.localhost:${stack.ports.gateway}/`));
    assert.ok(run.stdout.includes(`_dnslink.til.example.org TXT "dnslink=/ipfs/${cid}"`));
    assert.equal(summary.sitemap, true);
    const blockstore = new VerifiedGatewayBlockstore([stack.gatewayUrl]);
    for (const file of ["index.html", "feed.json", "sitemap.xml"]) {
      assert.deepEqual(Buffer.from(await readEntryFile(blockstore, cid, file)), await readFile(path.join(work, "site-a", file)), `${file} as served`);
    }
    const again = (await build("site-a", "--pin", "--base-url", "https://til.example.org/")).summary();
    assert.equal(again.cid, cid);
    assert.equal(again.changedNodes, 0);
    assert.equal(again.written, 0);

    await writeFile(path.join(notes, "wal.md"), "---\ntitle: WAL\ndate: 2026-03-06\ntags: [databases]\n---\nThe write-ahead log.\n");
    assert.equal((await runTil(["import", notes], stack.env)).code, 0);
    const next = (await build("site-a", "--pin", "--base-url", "https://til.example.org/")).summary();
    assert.notEqual(next.cid, cid);
    assert.equal(next.previousCid, cid);
    // The new and rewritten files, and the folders above them, are the only new nodes.
    assert.ok((next.changedNodes as number) > (next.written as number) && (next.changedNodes as number) < (next.nodes as number) / 2, JSON.stringify(next));
    console.log(`after one more entry, pinned: ${next.written} files written, ${next.changedNodes} of ${next.nodes} nodes new`);
  });

  it("--watch rebuilds when an entry is published, and stops on Ctrl-C", async () => {
    const out = path.join(work, "site-watch");
    const child = spawnTil(["site", out, "--watch", "--interval", "1"], stack.env);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const entryPages = async () => (await readdir(path.join(out, "entries")).catch(() => [])).length;
    const waitFor = async (what: string, ok: () => Promise<boolean>) => {
      for (const start = Date.now(); !(await ok()); await new Promise((r) => setTimeout(r, 200))) {
        assert.ok(Date.now() - start < 30_000, `${what}; stderr: ${child.stderrText()}`);
      }
    };
    // The first build is done when every listed entry has its page (pages are written one by one).
    const listed = await runTil(["ls", "--json"], stack.env);
    const before = listed.stdout
      .trim()
      .split("\n")
      .filter((line) => line && !(JSON.parse(line) as { problem?: string }).problem).length;
    await waitFor("the first build", async () => (await entryPages()) === before);
    await writeFile(path.join(notes, "fsync.md"), "---\ntitle: fsync\ndate: 2026-03-07\ntags: [linux]\n---\nfsync flushes.\n");
    assert.equal((await runTil(["import", notes], stack.env)).code, 0);
    await waitFor("the rebuild after a new entry", async () => (await entryPages()) === before + 1);
    child.kill("SIGINT");
    assert.equal(await exited, 0);
  });

  it("reports an entry over the read limits, leaves it out and builds the rest (exit 10)", async () => {
    const blocks: Blocks = new Map();
    const bomb = await dagBomb(blocks, 256 * 1024, [174, 44]);
    const root = await entryWith(blocks, "Markdown bomb", { "index.md": bomb });
    const { cid, sequence } = await putAndMint(stack, blocks, root.cid);
    const run = await runTil(["site", path.join(work, "site-bomb")], stack.env);
    assert.equal(run.code, 10, run.stderr);
    const summary = run.summary();
    assert.equal(summary.skipped, 1);
    assert.equal(summary.entries, sequence - 1);
    assert.ok(run.stderr.includes(`skipped #${sequence} ${cid} (refused)`), run.stderr);
    assert.ok(!(await readFile(path.join(work, "site-bomb", "search-index.json"), "utf8")).includes("Markdown bomb"));
  });
});
