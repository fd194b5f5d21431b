/**
 * The static site (`til site`) opened from `file://` in headless Chromium: pages render with their
 * styles, links navigate between index, entry, tag and search pages, search.js filters the list,
 * and no page logs an error or runs anything from an entry (a hostile title stays text). The site
 * is built by the same code as `til site` (core/site) from entries in memory; test/cli/site.test.ts
 * builds it from the chain. Screenshots: test/e2e/artifacts/site-*.png.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseNote } from "#core/entry/note.ts";
import { buildSite, tagSlug, type SiteConfig, type SiteEntry } from "#core/site/index.ts";
import { writeSite } from "#core/site/write.node.ts";
import { tinyPng } from "../support/quirks.ts";
import { SITE_ALICE as ALICE, SITE_BOB as BOB, SITE_CIDS as CIDS } from "../support/site-checks.ts";
import { launch, type BrowserContext, type Page } from "./browser.ts";

const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

function entry(n: number, markdown: string, author: string, images: SiteEntry["images"] = []): SiteEntry {
  return {
    tokenId: BigInt(5000 + n),
    cid: CIDS[n % CIDS.length],
    author,
    sequence: n,
    publishedAt: new Date(Date.UTC(2026, 2, n, 12)).toISOString(),
    note: parseNote(markdown),
    images,
  };
}

const ENTRIES = [
  entry(
    1,
    "---\ntitle: Postgres EXPLAIN ANALYZE\ndate: 2026-03-01\ntags: [databases, sql]\n---\nRun `EXPLAIN ANALYZE` to see the **real** plan:\n\n```sql\nEXPLAIN ANALYZE SELECT * FROM notes WHERE tag = 'sql';\n```\n\n![a dot](images/dot.png)\n",
    ALICE,
    [{ path: "images/dot.png", bytes: tinyPng(3) }],
  ),
  entry(
    2,
    `---\ntitle: ${JSON.stringify("<script>window.__pwned=1</script> ]]> & \u202Etxt.exe")}\ndate: 2026-03-02\ntags: ["<script>", "../../etc"]\n---\n<script>window.__pwned=2</script>\n\n<img src="x" onerror="window.__pwned=3">\n\nA hostile note.\n`,
    BOB,
  ),
  entry(3, "---\ntitle: Git bisect finds the bad commit\ndate: 2026-02-01\ntags: [git]\n---\n`git bisect run ./test.sh` walks the history for you.\n", ALICE),
];
const CONFIG: SiteConfig = {
  title: "Team TIL",
  description: "What we learned, verifiable on IPFS.",
  authorNames: { [ALICE.toLowerCase()]: "Ann" },
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  publicGateway: "https://dweb.link",
};

describe("the static site from file:// in Chromium", () => {
  let dir: string;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const problems: string[] = [];
  const url = (rel: string) => pathToFileURL(path.join(dir, rel)).href;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "til-site-e2e-"));
    await writeSite(dir, buildSite(ENTRIES, CONFIG));
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launch();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    // Remote requests would be the network; file:// pages must need none.
    await page.route(/^https?:/, (route) => {
      problems.push(`request: ${route.request().url()}`);
      return route.abort();
    });
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("the index renders, styled, newest first, the hostile title as text", async () => {
    await page.goto(url("index.html"));
    const titles = await page.locator("li.entry h2 a").allTextContents();
    assert.equal(titles.length, 3);
    assert.equal(titles[0], "<script>window.__pwned=1</script> ]]> & \u202Etxt.exe");
    assert.equal(titles[1], "Postgres EXPLAIN ANALYZE");
    const maxWidth = await page.evaluate(() => getComputedStyle(document.body).maxWidth);
    assert.notEqual(maxWidth, "none", "style.css applies");
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await page.screenshot({ path: path.join(ARTIFACTS, "site-index.png"), fullPage: true });
  });

  test("links navigate: index -> entry (with its image) -> tag -> author", async () => {
    await page.goto(url("index.html"));
    await page.getByRole("link", { name: "Postgres EXPLAIN ANALYZE" }).click();
    await page.waitForURL(/entries\/5001\/index\.html$/);
    assert.equal(await page.locator("article h1").textContent(), "Postgres EXPLAIN ANALYZE");
    assert.ok((await page.locator("article pre code").textContent())?.includes("EXPLAIN ANALYZE SELECT"));
    const imageWidth = await page.locator('article img[alt="a dot"]').evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : -1));
    assert.ok(imageWidth > 0, "the image copied beside the page loads");
    assert.ok((await page.locator("aside.provenance").textContent())?.includes(CIDS[1]));
    await page.screenshot({ path: path.join(ARTIFACTS, "site-entry.png"), fullPage: true });
    await page.locator("article header .tags a", { hasText: "sql" }).click();
    await page.waitForURL(new RegExp(`tags/${tagSlug("sql")}/index\\.html$`));
    assert.equal(await page.locator("main h1").textContent(), "Tag: sql");
    await page.locator("a.author").first().click();
    await page.waitForURL(/authors\/0x[0-9a-f]{40}\/index\.html$/);
    assert.equal(await page.locator("main h1").textContent(), "Ann");
    await page.getByRole("link", { name: "Team TIL" }).click();
    await page.waitForURL(/\/index\.html$/);
    assert.equal(await page.locator("main header h1").textContent(), "Team TIL");
  });

  test("search.js finds an entry by a word of its text", async () => {
    await page.goto(url("search/index.html"));
    await page.locator("#q").waitFor({ state: "visible" });
    await page.locator("#q").fill("bisect");
    const visible = await page.locator("#results li:not([hidden]) a").allTextContents();
    assert.deepEqual(visible, ["Git bisect finds the bad commit"]);
    assert.equal(await page.locator("#count").textContent(), "1 of 3");
    await page.locator("#q").fill("history");
    assert.deepEqual(await page.locator("#results li:not([hidden]) a").allTextContents(), ["Git bisect finds the bad commit"]);
    await page.screenshot({ path: path.join(ARTIFACTS, "site-search.png") });
  });

  test("the hostile entry's page runs nothing and every page logged no error", async () => {
    await page.goto(url("entries/5002/index.html"));
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator("article script, article img[onerror]").count(), 0);
    await page.goto(url("about/index.html"));
    assert.ok((await page.locator("main").textContent())?.includes("npm run til -- verify"));
    assert.deepEqual(problems, []);
  });
});
