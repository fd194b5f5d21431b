/**
 * Editing in the app, in Chromium against its own local stack (started as `npm start` starts it),
 * with the EIP-6963 test wallet: publish a note, "Edit" it as its author, publish the revision
 * step by step; the entry page then lists both versions (checked: verified, author named, previous
 * linked) and shows the diff between them; the feed shows the latest version once; another
 * account's token of the same CID is labelled a copy; entry format v2's metadata names the author
 * and links the previous version. Screenshots of the entry with its history and of the static
 * index.html in light, dark and phone layouts land in test/e2e/artifacts/edit-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress } from "ethers";
import { cidToDigest } from "#core/cid.ts";
import { HARDHAT_DEV_ACCOUNTS } from "#core/contract/local-chain.ts";
import { readEntryMetadata } from "#core/entry/metadata.ts";
import { noteIdentity, noteKey } from "#core/entry/note-identity.ts";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";
import { startStack, type Stack } from "./stack.ts";
import { addTestWallet, connectWallet, DEV_ACCOUNT, fillEditor, launch, openPage, type BrowserContext, type Page } from "./browser.ts";

const artifacts = path.join(import.meta.dirname, "artifacts");
const modes = [
  { name: "light", viewport: { width: 1200, height: 900 }, colorScheme: "light" },
  { name: "dark", viewport: { width: 1200, height: 900 }, colorScheme: "dark" },
  { name: "phone", viewport: { width: 375, height: 812 }, colorScheme: "light" },
] as const;

const BODY_V0 =
  "Only rows matching a `WHERE` clause are indexd.\n\n## Why\n\nSmaller indexes, faster writes.\n\n```sql\nCREATE INDEX ON orders (id) WHERE NOT shipped;\n```\n";
const BODY_V1 =
  "Only rows matching a `WHERE` clause are indexed.\n\n## Why\n\nSmaller indexes, faster writes.\n\n```sql\nCREATE INDEX ON orders (id) WHERE NOT shipped;\n```\n\nThe planner uses it only when the query implies the predicate.\n";

let stack: Stack;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let dialogs: string[];
let pageErrors: string[];
let firstCid = "";
let revisedCid = "";
let tokenId = "";

async function metadataOf(cid: string) {
  const response = await fetch(`${stack.gatewayUrl}/ipfs/${cid}/metadata.json`);
  assert.equal(response.status, 200);
  return readEntryMetadata(await response.json());
}

describe("editing an entry in the app: revision, history and diff", { timeout: 300_000 }, () => {
  before(async () => {
    await mkdir(artifacts, { recursive: true });
    stack = await startStack();
    browser = await launch();
    await addTestWallet(browser.context, { rpcUrl: stack.rpcUrl });
    ({ page, dialogs, errors: pageErrors } = await openPage(browser.context));
    page.setDefaultTimeout(20_000);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("publishes a note from the app as entry format v2, naming its author", async () => {
    await page.goto(stack.appUrl);
    await connectWallet(page);
    await page.goto(`${stack.appUrl}#/write`);
    await fillEditor(page, { title: "Partial indexes in PostgreSQL", date: "2024-05-06", tags: "postgres, indexes", body: BODY_V0 });
    await page.getByTestId("publish").click();
    await page.getByTestId("publish-done").waitFor();
    firstCid = (await page.getByTestId("publish-cid").textContent())!.trim();
    const metadata = await metadataOf(firstCid);
    assert.equal(metadata.version, 2);
    assert.equal(metadata.author, DEV_ACCOUNT.toLowerCase());
    assert.equal(metadata.id, noteIdentity({ title: "Partial indexes in PostgreSQL", date: "2024-05-06" }));
    assert.equal(metadata.previous, undefined);
  });

  test("the author gets Edit; the editor opens the note and publishes a revision step by step", async () => {
    await page.getByTestId("open-entry").click();
    await page.getByTestId("verified").waitFor();
    await page.getByTestId("edit-entry").click();
    await page.getByTestId("editing").waitFor();
    tokenId = decodeURIComponent(page.url().split("#/edit/")[1]);
    assert.equal(await page.getByTestId("title").inputValue(), "Partial indexes in PostgreSQL", "preloaded from the entry");
    assert.equal(await page.getByTestId("body").inputValue(), BODY_V0);
    assert.equal(await page.getByTestId("tags").inputValue(), "postgres, indexes");
    await page.getByRole("button", { name: "Publish revision" }).click();
    await page.locator('[data-testid="publish-error"][data-kind="unchanged"]').waitFor();
    assert.match((await page.getByTestId("publish-error").textContent())!, /Nothing changed/, "an unchanged note is no revision");
    await page.getByTestId("body").fill(BODY_V1);
    await page.getByRole("button", { name: "Publish revision" }).click();
    await page.getByTestId("publish-done").waitFor();
    assert.equal(await page.locator('[data-testid="publish-steps"] li[data-state="done"]').count(), 6);
    revisedCid = (await page.getByTestId("publish-cid").textContent())!.trim();
    assert.notEqual(revisedCid, firstCid);

    const metadata = await metadataOf(revisedCid);
    assert.equal(metadata.previous, firstCid, "the revision links the version before it");
    assert.equal(metadata.id, (await metadataOf(firstCid)).id, "and keeps the note's identity");
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as { address: string };
    const provider = providerFor(stack.rpcUrl, 31337);
    try {
      const registry = registryAt(deployment.address, provider);
      assert.equal(await registry.getFunction("revisionCount")(BigInt(tokenId)), 1n);
      assert.equal(await registry.getFunction("digestAt")(BigInt(tokenId), 0n), cidToDigest(firstCid));
      assert.equal(await registry.getFunction("digestOf")(BigInt(tokenId)), cidToDigest(revisedCid));
    } finally {
      provider.destroy();
    }
  });

  test("the entry page lists both versions, checked, and shows the diff between them", async () => {
    await page.getByTestId("open-entry").click();
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-cid").textContent(), revisedCid, "the token's page shows its latest version");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="version-check"]').length === 2);
    const versions = page.getByTestId("version");
    assert.deepEqual(await versions.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.revision)), ["1", "0"]);
    assert.deepEqual(await page.getByTestId("version-check").evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.status)), [
      "verified",
      "verified",
    ]);
    assert.match((await versions.nth(0).textContent())!, new RegExp(revisedCid));
    assert.match((await versions.nth(1).textContent())!, new RegExp(firstCid));
    const diff = page.getByTestId("diff");
    await diff.waitFor();
    assert.deepEqual(await diff.locator("del").allTextContents(), ["− Only rows matching a `WHERE` clause are indexd.\n"]);
    assert.deepEqual(await diff.locator("ins").allTextContents(), [
      "+ Only rows matching a `WHERE` clause are indexed.\n",
      "+ \n",
      "+ The planner uses it only when the query implies the predicate.\n",
    ]);
    assert.equal(await page.getByTestId("diff-summary").textContent(), "+3 −1 lines");
  });

  test("an earlier version's page says there is a later one", async () => {
    await page.goto(`${stack.appUrl}#/entry/${firstCid}`);
    await page.getByTestId("older-version").waitFor();
    assert.match((await page.locator(".entry-body").textContent())!, /indexd/);
  });

  test("the note's stable link (metadata external_url) opens its entry, at the latest version", async () => {
    const key = noteKey(noteIdentity({ title: "Partial indexes in PostgreSQL", date: "2024-05-06" }));
    await page.goto(`${stack.appUrl}#/note/${DEV_ACCOUNT.toLowerCase()}/${key}`);
    await page.waitForURL((url) => url.hash === `#/entry/${tokenId}`);
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-cid").textContent(), revisedCid);
    await page.goto(`${stack.appUrl}#/note/${DEV_ACCOUNT.toLowerCase()}/0x${"00".repeat(32)}`);
    await page.getByTestId("note-not-found").waitFor();
  });

  test("the feed shows the latest version, once", async () => {
    await page.goto(`${stack.appUrl}#/`);
    await page.waitForFunction((cid) => document.querySelector(`[data-testid="feed-item"][data-cid="${cid}"][data-loaded="true"]`) !== null, revisedCid);
    assert.equal(await page.locator(".feed-title", { hasText: "Partial indexes" }).count(), 1);
    assert.equal(await page.locator(`[data-testid="feed-item"][data-cid="${firstCid}"]`).count(), 0);
  });

  test("another account's token of the same CID is labelled a copy; the author's stays the entry", async () => {
    const copier = HARDHAT_DEV_ACCOUNTS[1];
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as { address: string };
    const provider = providerFor(stack.rpcUrl, 31337);
    try {
      const signer = await provider.getSigner(copier);
      const key = noteKey(noteIdentity({ title: "Partial indexes in PostgreSQL", date: "2024-05-06" }));
      await (await registryAt(deployment.address, signer).getFunction("publish")(cidToDigest(revisedCid), key)).wait();
    } finally {
      provider.destroy();
    }
    await page.goto(`${stack.appUrl}#/entry/${revisedCid}`);
    await page.getByTestId("copy-label").waitFor();
    const facts = page.getByTestId("token-facts");
    assert.equal(await facts.count(), 2);
    const copy = page.locator('[data-testid="token-facts"][data-copy="true"]');
    assert.match((await copy.textContent())!, new RegExp(`copy by ${getAddress(copier)}`, "i"));
    assert.match((await copy.textContent())!, new RegExp(`the content names ${DEV_ACCOUNT.toLowerCase()}`));
    assert.equal(await page.locator('[data-testid="token-facts"]:not([data-copy])').count(), 1);
    await page.getByTestId("edit-entry").waitFor();
    assert.equal(await facts.first().getAttribute("data-copy"), null, "the entry is listed first, then its copies");
    await page.getByTestId("diff").waitFor();
    await page.screenshot({ path: path.join(artifacts, "edit-copy-light.png"), fullPage: true });
  });

  test("a wallet that is not the author gets no Edit", async () => {
    const second = await launch();
    await addTestWallet(second.context, { rpcUrl: stack.rpcUrl, account: HARDHAT_DEV_ACCOUNTS[2] });
    const { page: other } = await openPage(second.context);
    other.setDefaultTimeout(20_000);
    await other.goto(`${stack.appUrl}#/entry/${tokenId}`);
    await connectWallet(other);
    await other.getByTestId("verified").waitFor();
    await other.getByTestId("versions").waitFor();
    assert.equal(await other.getByTestId("edit-entry").count(), 0);
    await second.close();
  });

  for (const mode of modes) {
    test(`screenshots of the entry with its history and of the static index.html, ${mode.name}`, async () => {
      await page.setViewportSize(mode.viewport);
      await page.emulateMedia({ colorScheme: mode.colorScheme });
      await page.goto(`${stack.appUrl}#/entry/${tokenId}`);
      await page.getByTestId("diff").waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="version-check"]').length === 2);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scrolling");
      await page.screenshot({ path: path.join(artifacts, `edit-history-${mode.name}.png`), fullPage: true });

      await page.goto(`${stack.gatewayUrl}/ipfs/${revisedCid}/`);
      await page.locator("article .entry-body").waitFor();
      assert.match((await page.locator(".entry-meta").textContent())!, new RegExp(`by ${DEV_ACCOUNT.toLowerCase()}`));
      assert.equal(await page.locator("script").count(), 0);
      const column = await page.locator("article .entry-body").evaluate((el) => el.getBoundingClientRect().width);
      assert.ok(column <= 42 * 16 + 1, `the reading column is at most 42rem (${column}px)`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scrolling");
      await page.screenshot({ path: path.join(artifacts, `edit-static-page-${mode.name}.png`), fullPage: true });
    });
  }

  test("no dialogs or page errors", () => {
    assert.deepEqual(dialogs, []);
    assert.deepEqual(pageErrors, []);
  });
});
