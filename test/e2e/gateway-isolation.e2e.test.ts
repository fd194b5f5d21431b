/**
 * Origin isolation on the local gateway, in headless Chromium against the real stack: files a
 * stranger publishes beside a note (HTML named .png, an SVG with onload, HTML without extension)
 * never run script when opened, and an entry never shares an origin with a site on IPFS such as
 * the app, so nothing in an entry can read what the app keeps in its localStorage.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create as createKuboClient } from "kubo-rpc-client";
import { ENTRY_ADD_OPTIONS, packEntry, parseNote } from "#core/entry/index.ts";
import { subdomainLabel } from "#core/gateway-url.ts";
import { startStack, type Stack } from "./stack.ts";
import { launch, type BrowserContext, type Page } from "./browser.ts";

const TIMEOUT = 20_000;
const APP_SECRET = JSON.stringify({ ipfsApiAuth: "Bearer app-secret" });

/** What every hostile file tries: mark the page, read the app's saved settings, write its own. */
const ATTACK = "document.title='pwned:'+localStorage.getItem('til.settings');localStorage.setItem('pwned','1');window.__pwned=1";
const HOSTILE_FILES = {
  "images/evil.png": `<!doctype html><html><body><script>${ATTACK}</script><p>not a png</p></body></html>`,
  "images/evil.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="${ATTACK}"><script>${ATTACK}</script><rect width="40" height="40" fill="red"/></svg>`,
  "images/evil": `<html><body><script>${ATTACK}</script></body></html>`,
};

/** A site on IPFS standing in for the app: it keeps a saved IPFS API token in its localStorage, as the app's Settings do. */
const APP_INDEX = `<!doctype html><html><head><title>app</title></head><body><script>localStorage.setItem("til.settings", ${JSON.stringify(APP_SECRET)}); document.title = "app ready";</script></body></html>`;

describe("the gateway keeps entries inert and on their own origin", () => {
  let stack: Stack;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let app = "";
  let entry = "";
  const origin = (cid: string) => `http://${subdomainLabel(cid)}.ipfs.localhost:${new URL(stack.gatewayUrl).port}`;

  before(async () => {
    stack = await startStack();
    browser = await launch();
    page = await browser.context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const ipfs = createKuboClient({ url: stack.apiUrl });
    const encode = (text: string) => new TextEncoder().encode(text);
    for await (const added of ipfs.addAll([{ path: "app/index.html", content: encode(APP_INDEX) }], { cidVersion: 1, rawLeaves: true }))
      if (added.path === "app") app = added.cid.toString();
    const packed = await packEntry(parseNote("# A note with company\n\nSee [the picture](images/evil.png) and [the drawing](images/evil.svg).\n"));
    const files = [
      ...packed.files.map((file) => ({ path: `entry/${file.path}`, content: file.content })),
      ...Object.entries(HOSTILE_FILES).map(([path, content]) => ({ path: `entry/${path}`, content: encode(content) })),
    ];
    for await (const added of ipfs.addAll(files, ENTRY_ADD_OPTIONS)) if (added.path === "entry") entry = added.cid.toString();
    assert.ok(app && entry, "the node reports both directories");
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("a site opened at /ipfs/<cid>/ on the gateway lands on its own origin, <cid>.ipfs.localhost, and runs there", async () => {
    await page.goto(`${stack.gatewayUrl}/ipfs/${app}/`);
    await page.waitForFunction(() => document.title === "app ready");
    assert.equal(new URL(page.url()).origin, origin(app));
    assert.equal(await page.evaluate(() => localStorage.getItem("til.settings")), APP_SECRET);
  });

  for (const path of Object.keys(HOSTILE_FILES)) {
    test(`${path}, opened from the gateway, runs no script`, async () => {
      await page.goto(`${stack.gatewayUrl}/ipfs/${entry}/${path}`);
      await page.waitForLoadState("load");
      await page.waitForTimeout(300);
      assert.equal(new URL(page.url()).origin, origin(entry), "redirected to the entry's own origin");
      assert.ok(!(await page.title()).startsWith("pwned"), `title: ${await page.title()}`);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    });
  }

  test("a link in the entry's page opens the hostile file inertly, on the entry's origin", async () => {
    await page.goto(`${stack.gatewayUrl}/ipfs/${entry}/`);
    await page.getByRole("link", { name: "the picture" }).click();
    await page.waitForURL(/evil\.png$/);
    await page.waitForTimeout(300);
    assert.equal(new URL(page.url()).origin, origin(entry));
    assert.ok(!(await page.title()).startsWith("pwned"));
  });

  test("the entry's origin is not the app's: the app's localStorage is not readable there, and nothing was written anywhere", async () => {
    await page.goto(`${stack.gatewayUrl}/ipfs/${entry}/`);
    assert.equal(new URL(page.url()).origin, origin(entry));
    assert.notEqual(origin(entry), origin(app));
    assert.equal(await page.evaluate(() => localStorage.getItem("til.settings")), null, "the app's saved settings are not visible from the entry's origin");
    assert.equal(await page.evaluate(() => localStorage.getItem("pwned")), null);
    await page.goto(`${stack.gatewayUrl}/ipfs/${app}/`);
    await page.waitForFunction(() => document.title === "app ready");
    assert.equal(await page.evaluate(() => localStorage.getItem("pwned")), null, "no hostile file wrote into the app's origin");
  });
});
