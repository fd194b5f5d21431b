/**
 * The app as a reading product, in Chromium against its own local stack: every page (feed, entry,
 * author, tag, editor, settings) and every error state (unknown entry, not an entry address,
 * content no gateway serves, no registry at the address, chain unreachable) in light, dark and
 * phone (375 px) layouts, screenshotted into test/e2e/artifacts/design-*.png. Checked on each: no
 * horizontal scrolling, the wallet button on the header's first row, long titles wrapped, bidi
 * titles isolated.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { freePort, startStack, tilImport, type Stack } from "./stack.ts";
import { addTestWallet, connectWallet, DEV_ACCOUNT, launch, openPage, type BrowserContext, type Page } from "./browser.ts";

const artifacts = path.join(import.meta.dirname, "artifacts");
const LONG_TITLE = `A${"verylongword".repeat(400)} and then ${"words ".repeat(1_300)}end`;
const RLO_TITLE = "Price \u202eevil\u202c reversed?";

async function writeNotes(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "til-design-notes-"));
  await writeFile(
    path.join(dir, "html.md"),
    [
      "---",
      "title: Keyboard shortcuts I keep forgetting",
      "date: 2024-03-09",
      "tags: [shell, html]",
      "---",
      "GitHub renders a little HTML in markdown, and so does this reader: press <kbd>Ctrl</kbd>+<kbd>R</kbd> to search the shell history, x<sup>2</sup> and H<sub>2</sub>O.",
      "",
      "<details><summary>Why it works</summary>",
      "",
      "Readline keeps a **history** and searches it backwards as you type.",
      "",
      "</details>",
      "",
      "## A long code line",
      "",
      "```sh",
      `grep -rn --include='*.ts' ${"'a-very-long-pattern' ".repeat(8)}src/`,
      "```",
      "",
      "| key | action |",
      "|:----|-------:|",
      "| <kbd>Ctrl</kbd>+<kbd>A</kbd> | start of line |",
      "",
      `A long word: ${"supercalifragilistic".repeat(20)}.`,
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "long.md"),
    `---\ntitle: "${LONG_TITLE}"\ndate: 2024-03-08\ntags: [long]\n---\nA note whose title is ten thousand characters long.\n`,
  );
  await writeFile(
    path.join(dir, "rlo.md"),
    `---\ntitle: "${RLO_TITLE}"\ndate: 2024-03-07\ntags: [bidi, "עברית"]\n---\nThe title holds a right-to-left override; nothing after it may be reordered.\n`,
  );
  await writeFile(
    path.join(dir, "plain.md"),
    "---\ntitle: Postgres VACUUM does not shrink the file\ndate: 2023-11-20\ntags: [databases, postgres]\n---\nPlain `VACUUM` marks dead tuples as reusable space inside the table's file; only `VACUUM FULL` (which rewrites the table under an exclusive lock) gives the space back to the operating system.\n\nSo a table that grew once stays big on disk.\n",
  );
  return dir;
}

let stack: Stack;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let dialogs: string[];
let pageErrors: string[];
const cids: Record<string, string> = {};

const modes = [
  { name: "light", viewport: { width: 1200, height: 900 }, colorScheme: "light" },
  { name: "dark", viewport: { width: 1200, height: 900 }, colorScheme: "dark" },
  { name: "phone", viewport: { width: 375, height: 812 }, colorScheme: "light" },
] as const;

/** Opens `route` with `saved` settings (or none), waits for `ready`, screenshots it and checks it does not scroll sideways. */
async function shoot(mode: (typeof modes)[number], name: string, route: string, ready: string, saved?: Record<string, string>): Promise<void> {
  await page.goto(`${stack.appUrl}#/`);
  await page.evaluate(
    (value) => (value ? localStorage.setItem("til.settings", value) : localStorage.removeItem("til.settings")),
    saved ? JSON.stringify(saved) : null,
  );
  await page.goto(`${stack.appUrl}${route}`);
  await page.reload();
  const file = path.join(artifacts, `design-${name}-${mode.name}.png`);
  await page
    .locator(ready)
    .first()
    .waitFor()
    .catch(async (error: Error) => {
      await page.screenshot({ path: file.replace("design-", "failed-design-"), fullPage: true });
      throw error;
    });
  await page.waitForTimeout(250);
  await page.screenshot({ path: file, fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name} (${mode.name}) overflows by ${overflow}px`);
  const header = await page.evaluate(() => {
    const brand = document.querySelector(".brand")!.getBoundingClientRect();
    const wallet = document.querySelector(".wallet")!.getBoundingClientRect();
    return { brandTop: brand.top, brandBottom: brand.bottom, walletTop: wallet.top, walletBottom: wallet.bottom, walletRight: wallet.right };
  });
  assert.ok(
    header.walletTop < header.brandBottom && header.walletBottom > header.brandTop,
    `${name} (${mode.name}): the wallet is on the brand's row (${JSON.stringify(header)})`,
  );
  assert.ok(header.walletRight <= mode.viewport.width, `${name} (${mode.name}): the wallet fits`);
}

describe("the app's pages and states in light, dark and phone layouts", { timeout: 400_000 }, () => {
  before(async () => {
    await mkdir(artifacts, { recursive: true });
    stack = await startStack();
    const summary = tilImport(stack, await writeNotes());
    assert.equal(summary.published, 4, JSON.stringify(summary));
    browser = await launch();
    await addTestWallet(browser.context, { rpcUrl: stack.rpcUrl });
    ({ page, dialogs, errors: pageErrors } = await openPage(browser.context));
    page.setDefaultTimeout(30_000);
    await page.goto(`${stack.appUrl}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length === 4);
    for (const row of await page.locator('[data-testid="feed-item"]').all()) {
      cids[(await row.locator(".feed-title").textContent())!.slice(0, 20)] = (await row.getAttribute("data-cid"))!;
    }
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("the feed: title, excerpt, date, tags and identicon per row, ordered by note date or by publishing time", async () => {
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(`${stack.appUrl}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length === 4);
    const titles = async () => (await page.locator(".feed-title").allTextContents()).map((t) => t.slice(0, 20));
    assert.deepEqual(await titles(), ["Keyboard shortcuts I", LONG_TITLE.slice(0, 20), RLO_TITLE.slice(0, 20), "Postgres VACUUM does"]);
    const first = page.locator('[data-testid="feed-item"]').first();
    assert.match((await first.locator(".feed-excerpt").textContent())!, /GitHub renders a little HTML/);
    assert.equal(await first.locator("time").textContent(), "2024-03-09");
    assert.equal(await first.locator('[data-testid="identicon"]').count(), 1);
    assert.equal(await first.locator(".author-link").getAttribute("href"), `#/author/${DEV_ACCOUNT}`);
    assert.deepEqual(await first.locator(".feed-tags a").evaluateAll((links) => links.map((a) => a.getAttribute("href"))), ["#/tag/shell", "#/tag/html"]);
    // publishing order: the importer published the folder's files in name order
    await page.getByTestId("sort-published").click();
    await page.waitForFunction(() => location.hash === "#/?sort=published");
    // The hash changes at the click, the app re-renders on the hashchange event a task later.
    await page.waitForFunction(() => document.querySelector('[data-testid="sort-published"]')?.getAttribute("aria-current") === "true");
    assert.deepEqual(await titles(), [RLO_TITLE.slice(0, 20), "Postgres VACUUM does", LONG_TITLE.slice(0, 20), "Keyboard shortcuts I"]);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length === 4);
    assert.equal(await page.getByTestId("sort-published").getAttribute("aria-current"), "true", "the order is kept in the URL");
  });

  test("an author's page and a tag's page", async () => {
    await page.goto(`${stack.appUrl}#/author/${DEV_ACCOUNT}`);
    await page.getByTestId("author-count").filter({ hasText: "4 entries published" }).waitFor();
    await page.getByTestId("author-header").locator(".tag", { hasText: "#postgres" }).waitFor();
    await page.goto(`${stack.appUrl}#/tag/postgres`);
    await page.getByTestId("tag-header").waitFor();
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll(".feed-title"), (a) => a.textContent).join() === "Postgres VACUUM does not shrink the file",
    );
  });

  test("long titles wrap, and a right-to-left override in a title reorders nothing after it", async () => {
    await page.goto(`${stack.appUrl}#/entry/${cids[LONG_TITLE.slice(0, 20)]}`);
    await page.getByTestId("verified").waitFor();
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1200);
    await page.goto(`${stack.appUrl}#/entry/${cids[RLO_TITLE.slice(0, 20)]}`);
    await page.getByTestId("verified").waitFor();
    const title = page.getByTestId("entry-title");
    assert.equal(await title.getAttribute("dir"), "auto");
    assert.equal(await title.evaluate((el) => getComputedStyle(el).unicodeBidi), "isolate");
    assert.equal(await page.locator(".entry-tags bdi", { hasText: "עברית" }).count(), 1);
  });

  for (const mode of modes) {
    test(`every page and state, ${mode.name}`, async () => {
      await page.setViewportSize(mode.viewport);
      await page.emulateMedia({ colorScheme: mode.colorScheme });
      const missing = CID.createV1(0x70, await sha256.digest(new TextEncoder().encode(`never published ${mode.name}`))).toString();
      const closed = await freePort();
      await shoot(mode, "feed", "#/", '[data-testid="feed-item"][data-loaded="true"]');
      await shoot(mode, "entry", `#/entry/${cids["Keyboard shortcuts I"]}`, '[data-testid="verified"]');
      await shoot(mode, "entry-long-title", `#/entry/${cids[LONG_TITLE.slice(0, 20)]}`, '[data-testid="verified"]');
      await shoot(mode, "author", `#/author/${DEV_ACCOUNT}`, '[data-testid="feed-item"][data-loaded="true"]');
      await shoot(mode, "tag", "#/tag/html", '[data-testid="feed-item"][data-loaded="true"]');
      await shoot(mode, "editor", "#/write", '[data-testid="title"]');
      await shoot(mode, "settings", "#/settings", "main form");
      await shoot(mode, "unknown-entry", "#/entry/123", '[data-testid="entry-not-found"]');
      assert.match((await page.getByTestId("entry-not-found").textContent())!, /has no entry “123”/);
      assert.doesNotMatch((await page.locator("main").textContent())!, /Fetching|reverted/);
      await shoot(mode, "not-an-entry", "#/entry/not-a-cid", '[data-testid="entry-not-found"]');
      await shoot(mode, "content-unavailable", `#/entry/${missing}`, '[data-testid="entry-problem"]');
      await shoot(mode, "no-registry", "#/", '[data-testid="no-registry"]', { contractAddress: "0x000000000000000000000000000000000000dEaD" });
      assert.equal(await page.getByTestId("no-entries").count(), 0, "not 'No entries yet'");
      await shoot(mode, "no-registry-entry", "#/entry/1", '[data-testid="no-registry"]', { contractAddress: "0x000000000000000000000000000000000000dEaD" });
      await shoot(mode, "chain-unreachable", "#/", '[data-testid="chain-unreachable"]', { rpcUrl: `http://127.0.0.1:${closed}` });
      assert.match((await page.getByTestId("feed-status").textContent())!, /^Chain \d+ does not answer at http:\/\/127\.0\.0\.1:\d+\. Is the node running\?/);
      await page.evaluate(() => localStorage.removeItem("til.settings"));
    });
  }

  test("the wallet, connected, stays on the header's first row at 375 px", async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${stack.appUrl}#/`);
    await connectWallet(page);
    await shoot(modes[2], "feed-connected", "#/", '[data-testid="feed-item"][data-loaded="true"]');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(pageErrors, []);
  });
});
