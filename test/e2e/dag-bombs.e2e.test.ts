/**
 * The web app in headless Chromium against DAG bombs on the real stack: a stranger puts hand-built
 * blocks on the node (`block/put`) and mints entries whose metadata.json, index.md or image is a
 * UnixFS file declaring 2.0 GB, stored in ~260 KB. The feed shows the ordinary entry and a row per
 * bomb naming its problem, a full-text search (which reads every index.md) goes through, the entry
 * page says the bomb is refused, and the page's JS heap stays small throughout.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startStack, tilImport, type Stack } from "./stack.ts";
import { launch, openPage, type BrowserContext, type Page } from "./browser.ts";
import { dagBomb, entryWith, putAndMint, type Blocks } from "../support/dag-bombs.ts";

const TIMEOUT = 20_000;
const HEAP_LIMIT_MB = 200;

describe("the web app against DAG bombs", { timeout: 180_000 }, () => {
  let stack: Stack;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let pageErrors: string[];
  const bombs: Record<"metadata" | "markdown" | "image", string> = { metadata: "", markdown: "", image: "" };

  /** The page's JS heap in use, in MB, after a garbage collection (CDP Runtime.getHeapUsage). */
  async function heapMb(): Promise<number> {
    const cdp = await page.context().newCDPSession(page);
    try {
      await cdp.send("HeapProfiler.collectGarbage");
      const { usedSize } = await cdp.send("Runtime.getHeapUsage");
      return usedSize / 2 ** 20;
    } finally {
      await cdp.detach();
    }
  }

  before(async () => {
    stack = await startStack();
    const notes = await mkdtemp(path.join(os.tmpdir(), "til-e2e-bomb-notes-"));
    await writeFile(
      path.join(notes, "ordinary.md"),
      `---\ntitle: An ordinary note\ndate: 2024-01-01\ntags: [plain]\n---\n${"Nothing to see here, past the excerpt. ".repeat(8)}Zeppelin.\n`,
    );
    assert.equal(tilImport(stack, notes).published, 1);
    await rm(notes, { recursive: true, force: true });
    const blocks: Blocks = new Map();
    const bomb = await dagBomb(blocks, 256 * 1024, [174, 44]);
    assert.equal(bomb.declared, 2_006_974_464n);
    bombs.metadata = (await putAndMint(stack, blocks, (await entryWith(blocks, "Metadata bomb", { "metadata.json": bomb })).cid)).cid;
    bombs.markdown = (await putAndMint(stack, blocks, (await entryWith(blocks, "Markdown bomb", { "index.md": bomb })).cid)).cid;
    bombs.image = (await putAndMint(stack, blocks, (await entryWith(blocks, "Image bomb", { "images/huge.png": bomb })).cid)).cid;
    browser = await launch();
    ({ page, errors: pageErrors } = await openPage(browser.context));
    page.setDefaultTimeout(TIMEOUT);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("the feed shows the ordinary entry and a row naming each bomb's problem, in a small JS heap", async (t) => {
    const start = performance.now();
    await page.goto(stack.appUrl);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"]:not([data-loaded="false"])').length === 4);
    const seconds = (performance.now() - start) / 1000;
    const row = (cid: string) => page.locator(`[data-testid="feed-item"][data-cid="${cid}"]`);
    assert.equal(await page.locator('[data-testid="feed-item"][data-loaded="true"] .feed-title').textContent(), "An ordinary note");
    for (const [name, file] of [
      ["metadata", "metadata.json"],
      ["markdown", "index.md"],
      ["image", "images"],
    ] as const) {
      assert.equal(await row(bombs[name]).getAttribute("data-loaded"), "error");
      assert.equal(await row(bombs[name]).locator(".feed-title").textContent(), "(entry refused)");
      assert.equal(await row(bombs[name]).getByTestId("feed-problem").textContent(), `Refused: ${file} declares 2.0 GB; entries are at most 10 MiB`);
    }
    const heap = await heapMb();
    t.diagnostic(`feed shown in ${seconds.toFixed(1)} s; JS heap ${heap.toFixed(1)} MB`);
    assert.ok(heap < HEAP_LIMIT_MB, `the page's JS heap holds ${heap.toFixed(0)} MB`);
    await page.screenshot({ path: path.join(import.meta.dirname, "artifacts", "dag-bombs-feed.png") });
  });

  test("a full-text search reads every note it may and finds the ordinary one", async (t) => {
    await page.getByTestId("search").fill("zeppelin");
    await page.getByTestId("search").press("Enter");
    // Every note read or refused: no "(searched the full text of N; ...)" left.
    await page
      .getByTestId("feed-status")
      .filter({ hasText: /^1 of 4 entries$/ })
      .waitFor();
    assert.deepEqual(await page.locator(".feed-title").allTextContents(), ["An ordinary note"]);
    const heap = await heapMb();
    t.diagnostic(`after the search: JS heap ${heap.toFixed(1)} MB`);
    assert.ok(heap < HEAP_LIMIT_MB);
  });

  test("the entry page of a bomb says it is refused and why", async (t) => {
    await page.goto(`${stack.appUrl}#/entry/${bombs.markdown}`);
    await page.getByTestId("entry-error").waitFor();
    assert.equal(await page.getByTestId("entry-error").textContent(), "This entry is refused: index.md declares 2.0 GB; entries are at most 10 MiB");
    const heap = await heapMb();
    t.diagnostic(`entry page: JS heap ${heap.toFixed(1)} MB`);
    assert.ok(heap < HEAP_LIMIT_MB);
    assert.deepEqual(pageErrors, []);
  });
});
