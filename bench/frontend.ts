/**
 * `npm run bench:frontend`: the web app's size and speed.
 *
 * 1. Starts the local stack (as `npm start` does, on free ports) and publishes 1,000 generated
 *    entries with `til import` (batch minting).
 * 2. Builds the app for that stack (vite build) and measures JavaScript gzip sizes: the initial
 *    load (the entry script and the chunks index.html preloads) and all chunks.
 * 3. Serves the build from a plain static server and, in headless Chromium, measures: time from
 *    navigation until the first 20 feed items show their titles; time from a click on a feed item
 *    until the entry is rendered and verified (median of 5 entries not opened before); the JS heap
 *    after scrolling through all 1,000 entries.
 * 4. Search: the time until the search index holds every entry (metadata and full text, read
 *    verified in the background from page load), then a word search, a search for a part inside
 *    words and a tag filter (from submit or click until the feed shows the matches), and the JS
 *    heap with every entry indexed.
 *    Beside them, in the same page, the baseline: a plain lowercase `includes` scan over every entry
 *    (title, description, tags and the words of its text, read from the app's IndexedDB), timed
 *    for the same words and tag; the table and JSON give index/scan ratios (no goal on them).
 * 5. Long history: chunks of entries published with 500,000 empty blocks mined between them (so
 *    entries spread over 1,000,000+ blocks), the app in a fresh browser profile reading the chain
 *    through test/support/rpc-limits-proxy.ts (eth_getLogs refused over 10,000 blocks or results,
 *    100 ms per request, rate-limited): time until the first 20 (newest) items show.
 * BENCH_ENTRIES sets the number of entries (default 1,000; the heap goal of 150 MB is for 10,000).
 * Prints a table (each figure, its goal, met or not), then one JSON line last: the figures,
 * `thresholds` (each goal's limit) and `goals` (each goal's name -> met, a boolean).
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { freePort, nodeBinary, projectRoot, startStack, tilImport } from "../test/e2e/stack.ts";
import { generateNotes } from "../test/support/generated-notes.ts";
import { launch } from "../test/e2e/browser.ts";
import { startRpcLimitsProxy } from "../test/support/rpc-limits-proxy.ts";
import { latestBlock, mineBlocks, publishSpread } from "../test/support/long-history.ts";
import type { Page } from "playwright-core";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1000);
const GOALS = {
  initialJsGzipKB: 200,
  firstItemsMs: 1500,
  entryOpenMs: 300,
  heapMB: 100,
  searchMs: 300,
  infixSearchMs: 300,
  tagFilterMs: 300,
  firstItemsLongHistoryMs: 1500,
  heapIndexedMB: 150,
};
const SPREAD = { chunks: 2, perChunk: 30, gapBlocks: 500_000 };
const log = (message: string) => console.error(`[bench:frontend] ${message}`);

async function jsSizes(dist: string): Promise<{ initialJsGzipKB: number; totalJsGzipKB: number; initialFiles: string[] }> {
  const html = await readFile(path.join(dist, "index.html"), "utf8");
  const initial = new Set<string>();
  for (const match of html.matchAll(/<script[^>]+src="\.\/([^"]+\.js)"/g)) initial.add(match[1]);
  for (const match of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\.\/([^"]+\.js)"/g)) initial.add(match[1]);
  const gz = async (file: string) => gzipSync(await readFile(path.join(dist, file)), { level: 9 }).length;
  let initialBytes = 0;
  for (const file of initial) initialBytes += await gz(file);
  let totalBytes = 0;
  for (const file of await readdir(path.join(dist, "assets"))) if (file.endsWith(".js")) totalBytes += await gz(path.join("assets", file));
  return { initialJsGzipKB: round(initialBytes / 1024), totalJsGzipKB: round(totalBytes / 1024), initialFiles: [...initial] };
}

function serveStatic(root: string, port: number): Promise<http.Server> {
  const types: Record<string, string> = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ""), url.pathname.endsWith("/") ? "index.html" : "");
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/**
 * Submits the search form with `text` (or clicks the first link reading `#<tag>`), and measures
 * until the feed's status line changes (the filtered list is rendered in the same frame).
 */
async function timeFilter(page: Page, action: { text: string } | { tag: string }): Promise<{ ms: number; status: string }> {
  if ("text" in action) await page.getByTestId("search").fill(action.text);
  return page.evaluate(
    (a) =>
      new Promise<{ ms: number; status: string }>((resolve, reject) => {
        const status = () => document.querySelector('[data-testid="feed-status"]')?.textContent ?? "";
        const before = status();
        const start = performance.now();
        if ("text" in a) document.querySelector<HTMLFormElement>("search form")!.requestSubmit();
        else {
          const link = Array.from(document.querySelectorAll<HTMLAnchorElement>("a")).find((l) => l.textContent?.trim().startsWith(`#${a.tag}`));
          if (!link) return reject(new Error(`no link to tag ${a.tag}`));
          link.click();
        }
        const check = () =>
          status() !== before && !/indexed/.test(status()) ? resolve({ ms: performance.now() - start, status: status() }) : requestAnimationFrame(check);
        check();
      }),
    action,
  );
}

/**
 * The baseline for search and tag filter: what an app without an index would do, a lowercase
 * `includes` over every entry's title, description, tags and text (here the words of its text, as
 * the app keeps them in IndexedDB, store "entryTerms"), read once from IndexedDB and held in memory;
 * only the scan is timed (the mean over 50 ms of repeats), without rendering, so the ratio to the
 * app's figure (submit to rendered) also holds the app's rendering.
 */
async function timeScan(
  page: Page,
  expected: number,
): Promise<{ searchMs: number; infixSearchMs: number; tagFilterMs: number; counts: number[]; textMB: number }> {
  return page.evaluate(
    (n) =>
      new Promise<{ searchMs: number; infixSearchMs: number; tagFilterMs: number; counts: number[]; textMB: number }>((resolve, reject) => {
        const request = indexedDB.open("til");
        request.onerror = () => reject(new Error(`IndexedDB "til" did not open: ${String(request.error)}`));
        request.onsuccess = () => {
          const all = request.result.transaction("entryTerms", "readonly").objectStore("entryTerms").getAll();
          all.onerror = () => reject(new Error(`reading the store entryTerms failed: ${String(all.error)}`));
          all.onsuccess = () => {
            type Row = { summary: { title?: string; description?: string; tags?: string[]; refused?: string }; terms: string[] };
            const rows = (all.result as Row[]).filter((r) => r.summary.refused === undefined);
            if (rows.length < n) return reject(new Error(`IndexedDB holds ${rows.length} entries of ${n}`));
            const held = rows.map((r) => ({
              tags: (r.summary.tags ?? []).map((t) => t.toLowerCase()),
              text: `${r.summary.title ?? ""}\n${r.summary.description ?? ""}\n${(r.summary.tags ?? []).join(" ")}\n${r.terms.join(" ")}`.toLowerCase(),
            }));
            const counts: number[] = [];
            // One scan can take less than the clock's resolution (0.1 ms): repeat it for 50 ms, take the mean.
            const time = (match: (e: (typeof held)[number]) => boolean) => {
              let count = 0;
              let runs = 0;
              const start = performance.now();
              while (runs < 3 || performance.now() - start < 50) {
                count = held.filter(match).length;
                runs++;
              }
              counts.push(count);
              return (performance.now() - start) / runs;
            };
            resolve({
              searchMs: time((e) => e.text.includes("python")),
              infixSearchMs: time((e) => e.text.includes("alue12")),
              tagFilterMs: time((e) => e.tags.includes("rust")),
              counts,
              textMB: held.reduce((sum, e) => sum + e.text.length, 0) / 2 ** 20,
            });
          };
        };
      }),
    expected,
  );
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
/** index time / baseline time; null when the baseline rounds to 0 ms (no finite ratio). */
const ratio = (index: number, baseline: number) => (baseline > 0 ? round(index / baseline, 2) : null);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  log("starting the local stack");
  const stack = await startStack();
  let server: http.Server | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    log(`publishing ${ENTRIES} entries with til import`);
    const notes = await generateNotes(ENTRIES);
    const importStart = performance.now();
    const summary = tilImport(stack, notes);
    await rm(notes, { recursive: true, force: true });
    if (summary.published !== ENTRIES) throw new Error(`til import published ${String(summary.published)} of ${ENTRIES}: ${JSON.stringify(summary)}`);
    const importSeconds = round((performance.now() - importStart) / 1000);
    log(`published in ${importSeconds} s`);

    log("building the app for this stack");
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as {
      chainId: number;
      address: string;
      deployBlock: number;
    };
    const outDir = await mkdtemp(path.join(os.tmpdir(), "til-bench-dist-"));
    const build = spawnSync(
      nodeBinary,
      [path.join(projectRoot, "node_modules", "vite", "bin", "vite.js"), "build", "frontend", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
      {
        cwd: projectRoot,
        env: {
          ...process.env,
          VITE_TIL_CHAIN_ID: String(deployment.chainId),
          VITE_TIL_RPC_URL: stack.rpcUrl,
          VITE_TIL_CONTRACT_ADDRESS: deployment.address,
          VITE_TIL_DEPLOY_BLOCK: String(deployment.deployBlock),
          VITE_TIL_IPFS_API: stack.apiUrl,
          VITE_TIL_GATEWAYS: stack.gatewayUrl,
        },
        encoding: "utf8",
      },
    );
    if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
    const sizes = await jsSizes(outDir);
    log(`initial JS ${sizes.initialJsGzipKB} KB gzip (${sizes.initialFiles.join(", ")}), all JS ${sizes.totalJsGzipKB} KB gzip`);

    const port = await freePort();
    server = await serveStatic(outDir, port);
    const appUrl = `http://127.0.0.1:${port}/`;
    browser = await launch();
    const page = await browser.context.newPage();
    page.setDefaultTimeout(60_000);

    // Warm the HTTP/disk caches of the servers once (a first visit), then measure a fresh page load.
    await page.setViewportSize({ width: 1200, height: 2600 });
    await page.goto(appUrl);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= 20);
    await page.close();
    const fresh = await browser.context.newPage();
    // Tall enough that 20 rows are on screen (the feed only renders rows in view).
    await fresh.setViewportSize({ width: 1200, height: 2600 });
    await fresh.goto("about:blank");
    const cdpCache = await browser.context.newCDPSession(fresh);
    await cdpCache.send("Network.clearBrowserCache");
    await fresh.goto(appUrl);
    const firstItemsMs = await fresh.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const check = () =>
            document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= 20 ? resolve(performance.now()) : requestAnimationFrame(check);
          check();
        }),
    );
    log(`first 20 feed items after ${round(firstItemsMs)} ms`);

    // Open entries not opened before: click, wait until rendered and verified.
    const openTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      await fresh.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length > n, i + 3);
      const ms = await fresh.evaluate(
        (n) =>
          new Promise<number>((resolve) => {
            const link = document.querySelectorAll<HTMLAnchorElement>('[data-testid="feed-item"] .feed-title')[n + 2];
            const start = performance.now();
            performance.mark("til:click");
            link.click();
            const check = () =>
              document.querySelector('[data-testid="verified"]') && document.querySelector('[data-testid="entry-body"]')
                ? resolve(performance.now() - start)
                : requestAnimationFrame(check);
            check();
          }),
        i,
      );
      openTimes.push(ms);
      if (i === 0) {
        const marks = await fresh.evaluate(() =>
          performance
            .getEntriesByType("mark")
            .filter((m) => m.name.startsWith("til:"))
            .map((m) => `${m.name}@${Math.round(m.startTime)}`),
        );
        log(`first open marks: ${marks.join(", ")} (now ${Math.round(await fresh.evaluate(() => performance.now()))})`);
      }
      await fresh.goBack();
      await fresh.getByTestId("feed").waitFor();
    }
    const entryOpenMs = median(openTimes);
    log(`entry open: ${openTimes.map((t) => round(t)).join(", ")} ms (median ${round(entryOpenMs)})`);

    // Scroll through all entries, letting each screen load its summaries.
    await fresh.evaluate(async () => {
      const step = window.innerHeight;
      for (let y = 0; y <= document.documentElement.scrollHeight; y += step) {
        window.scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 30));
      }
      // Then stay at the very bottom until the page agrees it is there.
      for (let i = 0; i < 100 && window.scrollY + window.innerHeight < document.documentElement.scrollHeight - 2; i++) {
        window.scrollTo(0, document.documentElement.scrollHeight);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await fresh
      .waitForFunction(
        () => {
          const rows = document.querySelectorAll('[data-testid="feed-item"]');
          return rows.length > 0 && Array.from(rows).every((row) => row.getAttribute("data-loaded") !== "false");
        },
        undefined,
        { timeout: 180_000 },
      )
      .catch(async (error: Error) => {
        const states = await fresh.evaluate(() =>
          Array.from(document.querySelectorAll('[data-testid="feed-item"]')).map((r) => `${r.getAttribute("data-loaded")}:${r.textContent?.slice(0, 30)}`),
        );
        throw new Error(`rows did not all load after scrolling: ${states.join(" | ")} (${error.message})`);
      });
    const lastRendered = await fresh.locator(".feed-title").last().textContent();
    if (!lastRendered?.startsWith("TIL #1:")) throw new Error(`scrolling did not reach the oldest entry (last row: ${lastRendered})`);
    const cdp = await browser.context.newCDPSession(fresh);
    await cdp.send("Performance.enable");
    const metrics = (await cdp.send("Performance.getMetrics")).metrics;
    const heapBeforeGc = metrics.find((m) => m.name === "JSHeapUsedSize")!.value;
    await cdp.send("HeapProfiler.collectGarbage");
    const { usedSize } = await cdp.send("Runtime.getHeapUsage");
    log(`scrolled to the end (last row: ${lastRendered}); JS heap ${round(heapBeforeGc / 2 ** 20)} MB, after GC ${round(usedSize / 2 ** 20)} MB`);

    // Search: wait until every entry is indexed (from this page's load), then time a search and a tag filter.
    log("waiting for the search index to hold every entry");
    await fresh.goto(appUrl);
    await fresh.getByTestId("feed").waitFor();
    const indexStart = await fresh.evaluate(() => performance.now());
    await fresh.getByTestId("search").fill("detail");
    await fresh.getByTestId("search").press("Enter");
    await fresh.waitForFunction(
      (n) => new RegExp(`^${n} of ${n} entries$`).test(document.querySelector('[data-testid="feed-status"]')?.textContent ?? ""),
      ENTRIES,
      { timeout: 600_000, polling: 100 },
    );
    const indexingMs = (await fresh.evaluate(() => performance.now())) - indexStart;
    log(`every entry indexed after ${round(indexingMs / 1000)} s (counted from the feed's load, cached pages)`);
    const search = await timeFilter(fresh, { text: "python" });
    log(`search "python": ${round(search.ms)} ms (${search.status})`);
    // Inside words: "alue12" is in value12, value120..129, value1200..1299, ... (each note's code block).
    const infixSearch = await timeFilter(fresh, { text: "alue12" });
    log(`search inside words "alue12": ${round(infixSearch.ms)} ms (${infixSearch.status})`);
    const tagFilter = await timeFilter(fresh, { tag: "rust" });
    log(`tag filter #rust: ${round(tagFilter.ms)} ms (${tagFilter.status})`);
    // The baseline, in the same page: once the index's records are all in IndexedDB (written in batches).
    await fresh.waitForFunction(
      (n) =>
        new Promise<boolean>((resolve) => {
          const request = indexedDB.open("til");
          request.onerror = () => resolve(false);
          request.onsuccess = () => {
            const count = request.result.transaction("entryTerms", "readonly").objectStore("entryTerms").count();
            count.onsuccess = () => resolve(count.result >= n);
            count.onerror = () => resolve(false);
          };
        }),
      ENTRIES,
      { timeout: 60_000, polling: 500 },
    );
    const scan = await timeScan(fresh, ENTRIES);
    log(
      `baseline (includes over ${round(scan.textMB, 2)} MB of text held in memory): "python" ${round(scan.searchMs, 3)} ms, "alue12" ${round(scan.infixSearchMs, 3)} ms, #rust ${round(scan.tagFilterMs, 3)} ms (matches ${scan.counts.join(", ")})`,
    );
    // The scan must find what the app shows, or it is not the same work.
    [search, infixSearch, tagFilter].forEach((filter, i) => {
      const shown = Number(/^(\d+) of/.exec(filter.status)?.[1]);
      if (shown !== scan.counts[i]) log(`WARNING: the baseline found ${scan.counts[i]} entries where the app shows "${filter.status}"`);
    });
    await cdp.send("HeapProfiler.collectGarbage");
    const heapIndexed = (await cdp.send("Runtime.getHeapUsage")).usedSize;
    log(`JS heap with ${ENTRIES} entries indexed, after GC: ${round(heapIndexed / 2 ** 20)} MB`);

    // Long history behind a public RPC's limits, in a fresh browser profile (nothing in IndexedDB).
    log(`spreading ${SPREAD.chunks * SPREAD.perChunk} more entries over ${SPREAD.chunks * SPREAD.gapBlocks} blocks`);
    await mineBlocks(stack.rpcUrl, SPREAD.gapBlocks);
    await publishSpread(stack, SPREAD);
    const head = await latestBlock(stack.rpcUrl);
    const proxy = await startRpcLimitsProxy(stack.rpcUrl, { maxBlocks: 10_000, maxResults: 10_000, latencyMs: 100, ratePerSecond: 25, burst: 40 });
    let firstItemsLongHistoryMs: number;
    let longHistoryStatus: string;
    const longBrowser = await launch();
    try {
      await longBrowser.context.addInitScript((rpcUrl) => localStorage.setItem("til.settings", JSON.stringify({ rpcUrl })), proxy.url);
      const longPage = await longBrowser.context.newPage();
      longPage.setDefaultTimeout(120_000);
      await longPage.setViewportSize({ width: 1200, height: 2600 });
      await longPage.goto(appUrl);
      firstItemsLongHistoryMs = await longPage.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const check = () =>
              document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= 20
                ? resolve(performance.now())
                : requestAnimationFrame(check);
            check();
          }),
      );
      longHistoryStatus = (await longPage.getByTestId("feed-status").textContent()) ?? "";
    } finally {
      await longBrowser.close();
      await proxy.close();
    }
    log(
      `long history (head at block ${head}): first 20 items after ${round(firstItemsLongHistoryMs)} ms ("${longHistoryStatus}"); proxy ${JSON.stringify(proxy.stats)}`,
    );

    // The heap goal is stated for 10,000 entries (BENCH_ENTRIES=10000); fewer entries only show the trend.
    const measured: Record<keyof typeof GOALS, number> = {
      initialJsGzipKB: sizes.initialJsGzipKB,
      firstItemsMs,
      entryOpenMs,
      heapMB: heapBeforeGc / 2 ** 20,
      searchMs: search.ms,
      infixSearchMs: infixSearch.ms,
      tagFilterMs: tagFilter.ms,
      firstItemsLongHistoryMs,
      heapIndexedMB: heapIndexed / 2 ** 20,
    };
    const goals = Object.fromEntries((Object.keys(GOALS) as Array<keyof typeof GOALS>).map((name) => [name, measured[name] <= GOALS[name]])) as Record<
      keyof typeof GOALS,
      boolean
    >;
    const result = {
      entries: ENTRIES,
      importSeconds,
      initialJsGzipKB: sizes.initialJsGzipKB,
      totalJsGzipKB: sizes.totalJsGzipKB,
      firstItemsMs: round(firstItemsMs),
      entryOpenMs: round(entryOpenMs),
      entryOpenSamplesMs: openTimes.map((t) => round(t)),
      heapAfterScrollMB: round(heapBeforeGc / 2 ** 20),
      heapAfterScrollGcMB: round(usedSize / 2 ** 20),
      indexingMs: round(indexingMs),
      searchMs: round(search.ms),
      infixSearchMs: round(infixSearch.ms),
      tagFilterMs: round(tagFilter.ms),
      searchBaselineMs: round(scan.searchMs, 3),
      infixSearchBaselineMs: round(scan.infixSearchMs, 3),
      tagFilterBaselineMs: round(scan.tagFilterMs, 3),
      baselineTextMB: round(scan.textMB, 2),
      baselineMatches: { search: scan.counts[0], infixSearch: scan.counts[1], tagFilter: scan.counts[2] },
      searchRatio: ratio(search.ms, scan.searchMs),
      infixSearchRatio: ratio(infixSearch.ms, scan.infixSearchMs),
      tagFilterRatio: ratio(tagFilter.ms, scan.tagFilterMs),
      heapIndexedMB: round(heapIndexed / 2 ** 20),
      firstItemsLongHistoryMs: round(firstItemsLongHistoryMs),
      longHistoryBlocks: Number(head),
      longHistoryProxy: proxy.stats,
      thresholds: GOALS,
      goals,
    };
    console.log(`\nThe web app, ${ENTRIES} entries (production build, headless Chromium)\n`);
    console.log(`${"figure".padEnd(28)} ${"measured".padStart(10)} ${"goal (<=)".padStart(10)}  met`);
    for (const name of Object.keys(GOALS) as Array<keyof typeof GOALS>) {
      console.log(`${name.padEnd(28)} ${String(round(measured[name])).padStart(10)} ${String(GOALS[name]).padStart(10)}  ${goals[name] ? "yes" : "NO"}`);
    }
    console.log(`${"indexingMs".padEnd(28)} ${String(round(indexingMs)).padStart(10)} ${"-".padStart(10)}\n`);
    console.log(`${"vs baseline (ms)".padEnd(28)} ${"app".padStart(10)} ${"scan".padStart(10)}  app/scan (app: submit to rendered; scan: filtering only)`);
    for (const [name, index, base] of [
      ["search", search.ms, scan.searchMs],
      ["infixSearch", infixSearch.ms, scan.infixSearchMs],
      ["tagFilter", tagFilter.ms, scan.tagFilterMs],
    ] as const) {
      console.log(`${name.padEnd(28)} ${String(round(index)).padStart(10)} ${String(round(base, 3)).padStart(10)}  ${ratio(index, base)}`);
    }
    console.log("");
    await rm(outDir, { recursive: true, force: true });
    console.log(JSON.stringify(result));
  } finally {
    await browser?.close();
    server?.close();
    await stack.stop();
  }
}

await mkdir(path.join(projectRoot, "test", "e2e", "artifacts"), { recursive: true });
await main();
