/**
 * The feed on a chain with long history, behind an RPC endpoint with a public RPC's limits
 * (test/support/rpc-limits-proxy.ts: eth_getLogs refused over 10,000 blocks or 10,000 results,
 * ~100 ms per request, rate-limited): entries spread over 1,000,000+ blocks, the newest at the head.
 * The newest rows show while older history is still being read, every entry arrives once and in
 * order, and a second visit starts from what IndexedDB kept (few log queries).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { mkdir } from "node:fs/promises";
import { startStack, type Stack } from "./stack.ts";
import { launch, openPage, type BrowserContext, type Page } from "./browser.ts";
import { startRpcLimitsProxy, type RpcLimitsProxy } from "../support/rpc-limits-proxy.ts";
import { latestBlock, publishSpread, spreadTitle } from "../support/long-history.ts";

const CHUNKS = 3;
const PER_CHUNK = 8;
const GAP = 520_000;
/** The newest rows must show within this (headless Chromium on a shared 2-core machine). */
const FIRST_ROWS_MS = 8_000;

describe("feed over a long history behind a rate-limited, range-limited RPC", { timeout: 300_000 }, () => {
  let stack: Stack;
  let proxy: RpcLimitsProxy;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let errors: string[];

  before(async () => {
    stack = await startStack();
    assert.equal(await publishSpread(stack, { chunks: CHUNKS, perChunk: PER_CHUNK, gapBlocks: GAP, tailBlocks: 30_000 }), CHUNKS * PER_CHUNK);
    assert.ok((await latestBlock(stack.rpcUrl)) > 1_000_000n);
    proxy = await startRpcLimitsProxy(stack.rpcUrl, { maxBlocks: 10_000, maxResults: 10_000, latencyMs: 100, ratePerSecond: 25, burst: 40 });
    browser = await launch();
    await browser.context.addInitScript((rpcUrl) => localStorage.setItem("til.settings", JSON.stringify({ rpcUrl })), proxy.url);
    ({ page, errors } = await openPage(browser.context));
    page.setDefaultTimeout(120_000);
    // Tall enough for every row: the feed renders only the rows on screen.
    await page.setViewportSize({ width: 1200, height: 3000 });
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await stack?.stop();
  });

  const titles = () => page.locator('[data-testid="feed-item"][data-loaded="true"] .feed-title').allTextContents();

  test("shows the newest entries while older history is still being read, then all of them in order", async (t) => {
    const start = performance.now();
    await page.goto(stack.appUrl);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= n, PER_CHUNK, {
      timeout: FIRST_ROWS_MS + 10_000,
    });
    const firstRowsMs = performance.now() - start;
    const status = await page.getByTestId("feed-status").textContent();
    const shown = await titles();
    t.diagnostic(`first ${PER_CHUNK} rows after ${Math.round(firstRowsMs)} ms; status "${status}"; proxy ${JSON.stringify(proxy.stats)}`);
    assert.deepEqual(
      shown.slice(0, PER_CHUNK),
      Array.from({ length: PER_CHUNK }, (_, i) => spreadTitle(CHUNKS, PER_CHUNK - i)),
    );
    assert.match(status ?? "", /reading older entries/, "history is still being read when the newest rows show");
    assert.ok(firstRowsMs < FIRST_ROWS_MS, `first rows after ${Math.round(firstRowsMs)} ms`);

    await page
      .getByTestId("feed-status")
      .filter({ hasText: new RegExp(`^${CHUNKS * PER_CHUNK} of ${CHUNKS * PER_CHUNK} entries$`) })
      .waitFor();
    const all = await page.locator(".feed-title").allTextContents();
    const expected = [];
    for (let c = CHUNKS; c >= 1; c--) for (let i = PER_CHUNK; i >= 1; i--) expected.push(spreadTitle(c, i));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= n, CHUNKS * PER_CHUNK);
    assert.deepEqual(await titles(), expected);
    assert.equal(all.length, expected.length);
    t.diagnostic(`all history after ${Math.round(performance.now() - start)} ms; proxy ${JSON.stringify(proxy.stats)}`);
    assert.ok(proxy.stats.refusedRange > 0, "the proxy refused ranges over its limit");
    await mkdir(path.join(import.meta.dirname, "artifacts"), { recursive: true });
    await page.screenshot({ path: path.join(import.meta.dirname, "artifacts", "long-history-feed.png") });
  });

  test("a second visit starts from the ranges kept in IndexedDB: all rows at once, few log queries", async (t) => {
    const before = proxy.stats.getLogs;
    const start = performance.now();
    await page.reload();
    await page
      .getByTestId("feed-status")
      .filter({ hasText: new RegExp(`^${CHUNKS * PER_CHUNK} of ${CHUNKS * PER_CHUNK} entries$`) })
      .waitFor();
    const ms = performance.now() - start;
    await page.waitForTimeout(500);
    const queries = proxy.stats.getLogs - before;
    t.diagnostic(`second visit: all ${CHUNKS * PER_CHUNK} entries listed after ${Math.round(ms)} ms with ${queries} log queries`);
    assert.ok(queries <= 6, `${queries} log queries on the second visit`);
    const search = await page.getByTestId("search");
    await search.fill("chunk1");
    await search.press("Enter");
    await page
      .getByTestId("feed-status")
      .filter({ hasText: new RegExp(`^${PER_CHUNK} of ${CHUNKS * PER_CHUNK} entries$`) })
      .waitFor();
    assert.deepEqual(errors, []);
  });
});
