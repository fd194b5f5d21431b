/**
 * Remote pinning after minting in the app, in Chromium against its own local stack (started as
 * `npm start` starts it) and a second node serving the IPFS Pinning Service API, a token made
 * with `til ipfs pinning-token create`. The service is registered on the stack's node through
 * Kubo's RPC `pin/remote/service/add`, as a user does; the node sends its trustless gateway as the
 * request's `/http` origin, so the service fetches the entry from it with both nodes offline.
 * A note written and minted in the app shows, under "Published!", the service's status reaching
 * "pinned", and the service's node then pins the entry's CID; a service registered with a wrong
 * key shows that it refused the key, and the mint stands; with three services (one pinning, one
 * refusing the key, one with nothing listening) each line says which. Screenshots (light, and the
 * three states in dark and on a phone) land in test/e2e/artifacts/remote-pins-*.png.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { makeTempRepo } from "../ipfs/daemon-process.ts";
import { freePort } from "../support/local-stack.ts";
import { createToken, type PinningDaemon, pins, startPinningDaemon, tearDown } from "../pinning/pinning-daemons.ts";
import { startStack, type Stack } from "./stack.ts";
import { addTestWallet, connectWallet, fillEditor, launch, openPage, type BrowserContext, type Page } from "./browser.ts";

const artifacts = path.join(import.meta.dirname, "artifacts");

let stack: Stack;
let service: PinningDaemon;
let token: string;
let stackNode: KuboRPCClient;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let pageErrors: string[];

/** Writes `title` in the app's editor, mints it and waits for "Published!"; returns the entry's CID. */
async function mintInApp(title: string, body: string): Promise<string> {
  await page.goto(`${stack.appUrl}#/write`);
  await fillEditor(page, { title, date: "2024-06-01", tags: "ipfs", body });
  await page.getByTestId("publish").click();
  await page.getByTestId("publish-done").waitFor();
  return (await page.getByTestId("publish-cid").textContent())!.trim();
}

/** The remote-pin line the app shows for `name`. */
const statusLine = (name: string) => page.getByTestId("remote-pins").locator("li", { hasText: `Remote pinning on ${name}:` });

describe("remote pinning after minting in the app", { timeout: 180_000 }, () => {
  before(async () => {
    await mkdir(artifacts, { recursive: true });
    [stack, service] = await Promise.all([startStack(), makeTempRepo().then((repo) => startPinningDaemon(repo))]);
    token = await createToken(service.repo, "writer", "10MiB");
    stackNode = create({ url: stack.apiUrl });
    browser = await launch();
    await addTestWallet(browser.context, { rpcUrl: stack.rpcUrl });
    ({ page, errors: pageErrors } = await openPage(browser.context));
    page.setDefaultTimeout(30_000);
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(stack.appUrl);
    await connectWallet(page);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    if (service) await tearDown([service]);
  });

  test("a service registered on the node pins the minted entry, and the app shows it pinned", async () => {
    await stackNode.pin.remote.service.add("friend", { endpoint: new URL(service.pinningUrl), key: token });
    const cid = await mintInApp("Pinned by a friend's node", "The entry lives on a second machine.\n");
    const line = statusLine("friend");
    await line.waitFor();
    await page.locator('[data-testid="remote-pins"] li[data-status="pinned"]').waitFor({ timeout: 60_000 });
    assert.equal((await line.textContent())!.trim(), "Remote pinning on friend: pinned");
    await page.screenshot({ path: path.join(artifacts, "remote-pins-pinned-light.png"), fullPage: true });

    const serviceNode = create({ url: service.apiUrl });
    assert.ok(await pins(serviceNode, CID.parse(cid)), `the service's node pins ${cid}`);
    // offline, the service's gateway serves only what the node holds
    const entryOnService = await fetch(`${service.gatewayUrl}/ipfs/${cid}/metadata.json`);
    assert.equal(entryOnService.status, 200);
    assert.match(await entryOnService.text(), /Pinned by a friend's node/, "and holds the entry's blocks");
  });

  test("a service that refuses the key shows so, and the mint stands", async () => {
    await stackNode.pin.remote.service.rm("friend");
    await stackNode.pin.remote.service.add("refusing", { endpoint: new URL(service.pinningUrl), key: `tilpin_000000000000_${"A".repeat(43)}` });
    const cid = await mintInApp("Refused by the service", "The key is wrong, the entry is still minted.\n");
    const refused = page.locator('[data-testid="remote-pins"] li[data-status="refused"]');
    await refused.waitFor();
    const text = (await refused.textContent())!;
    assert.match(text, /^Remote pinning on refusing: refused the node's key, not pinned \(/);
    assert.match(text, /401 UNAUTHORIZED/, "the user reads that the service refused the key");
    assert.doesNotMatch(text, /AAAAAAAAAA/, "and never the key");
    await page.screenshot({ path: path.join(artifacts, "remote-pins-refused-light.png"), fullPage: true });

    assert.equal(await page.getByTestId("publish-error").count(), 0, "publishing did not fail");
    await page.getByTestId("open-entry").click();
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-cid").textContent(), cid);
    assert.equal(await pins(create({ url: service.apiUrl }), CID.parse(cid)), false, "the refusing service pinned nothing");
    assert.deepEqual(pageErrors, []);
  });

  test("three services at once: pinned, a refused key and no answer, each said, in light, dark and phone layouts", async () => {
    await stackNode.pin.remote.service.add("friend", { endpoint: new URL(service.pinningUrl), key: token });
    await stackNode.pin.remote.service.add("nobody", { endpoint: new URL(`http://127.0.0.1:${await freePort()}`), key: token });
    await mintInApp("Asked of three services", "One pins it, one refuses the key, one is not there.\n");
    await page.locator('[data-testid="remote-pins"] li[data-status="pinned"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="remote-pins"] li[data-status="unreachable"]').waitFor();
    assert.equal((await statusLine("friend").textContent())!.trim(), "Remote pinning on friend: pinned");
    assert.match((await statusLine("refusing").textContent())!, /refused the node's key, not pinned \(.*401 UNAUTHORIZED/);
    assert.match((await statusLine("nobody").textContent())!, /^Remote pinning on nobody: no answer from the service, not pinned \(.*did not answer/);
    assert.doesNotMatch((await page.getByTestId("remote-pins").textContent())!, new RegExp(token), "no key shown");

    await page.screenshot({ path: path.join(artifacts, "remote-pins-states-light.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(artifacts, "remote-pins-states-dark.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: path.join(artifacts, "remote-pins-states-phone-dark.png"), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the phone layout scrolls sideways by ${overflow}px`);
    assert.deepEqual(pageErrors, []);
  });
});
