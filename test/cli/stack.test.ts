/**
 * `npm start` as a second shell and a browser see it: on ports that are not the defaults, the CLI
 * needs nothing but TIL_HOME, the IPFS RPC API answers the app's own origin, and the app is the
 * production build with the stack's settings, served without anything else of the repository.
 * Also: what `npm start` rebuilds (missing or stale outputs only).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { staleReason, type BuildOutput } from "../../scripts/stack/build-outputs.ts";
import { readStackState } from "../../scripts/stack/stack-state.ts";
import { PROJECT_ROOT, runTil, startStack, type Stack } from "../support/local-stack.ts";

describe("the running stack, from a second shell and a browser", () => {
  let work: string;
  let stack: Stack;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-stack-test-"));
    stack = await startStack(path.join(work, "home"));
  });

  after(async () => {
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("records its addresses in <home>/stack.json while it runs", async () => {
    const state = readStackState(stack.home);
    assert.ok(state, "stack.json describes a running stack");
    assert.equal(state.ipfsApi, `127.0.0.1:${stack.ports.api}`);
    assert.equal(state.ipfsGateway, `127.0.0.1:${stack.ports.gateway}`);
    assert.equal(state.appUrl, stack.appUrl);
  });

  it("its summary gives the IPFS node's peer status (this test's stack runs --offline)", async () => {
    assert.match(stack.output(), /IPFS peer {9}offline \(--offline\)/);
  });

  it("the CLI needs only TIL_HOME: it finds chain, registry, IPFS API and gateway of the stack", async () => {
    const note = path.join(work, "second-shell.md");
    await writeFile(note, "---\ntitle: Found through the home\ndate: 2026-11-20\ntags: [stack]\n---\nThe CLI found the stack's IPFS API in stack.json.\n");
    const onlyHome = { TIL_HOME: stack.home, TIL_IPFS_API: "", TIL_IPFS_GATEWAY: "", TIL_GATEWAYS: "", TIL_RPC_URL: "" };
    const published = await runTil(["publish", note], onlyHome);
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.summary().published, 1);
    const listed = await runTil(["ls", "--json"], onlyHome);
    assert.equal(listed.code, 0, listed.stderr);
    const entry = JSON.parse(listed.stdout.trim().split("\n")[0]) as { cid: string; title: string };
    assert.equal(entry.title, "Found through the home");
    const shown = await runTil(["show", entry.cid], onlyHome);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /The CLI found the stack's IPFS API/);
    assert.match(shown.stdout, new RegExp(`127\\.0\\.0\\.1:${stack.ports.gateway}`), "read through the stack's gateway");
  });

  it("the IPFS RPC API answers the app's origin on its non-default port, and no other page's", async () => {
    const ask = (origin: string) => fetch(`${stack.apiUrl}/api/v0/id`, { method: "POST", headers: { origin } });
    for (const origin of [`http://127.0.0.1:${stack.ports.app}`, `http://localhost:${stack.ports.app}`]) {
      const response = await ask(origin);
      assert.equal(response.status, 200, origin);
      assert.equal(response.headers.get("access-control-allow-origin"), origin);
    }
    assert.equal((await ask("http://127.0.0.1:1")).status, 403);
  });

  it("serves the production build with the stack's settings in index.html", async () => {
    const response = await fetch(stack.appUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    const html = await response.text();
    const settings = JSON.parse(/<script type="application\/json" id="til-served-settings">([^<]*)<\/script>/.exec(html)![1]) as Record<string, unknown>;
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8")) as { address: string };
    assert.deepEqual(settings, {
      chainId: 31337,
      rpcUrl: stack.rpcUrl,
      contractAddress: deployment.address,
      deployBlock: 0,
      ipfsApiUrl: stack.apiUrl,
      gateways: [stack.gatewayUrl],
    });
    assert.match(html, /<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js"><\/script>/, "the built entry script, not Vite's dev client");
    const script = /src="\.\/(assets\/index-[\w-]+\.js)"/.exec(html)![1];
    const asset = await fetch(new URL(script, stack.appUrl));
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("content-type")!, /^text\/javascript/);
    assert.match(asset.headers.get("cache-control")!, /immutable/);
  });

  it("serves nothing but the build: no repository files, no dev-server paths, no traversal, GET and HEAD only", async () => {
    for (const probe of [
      `/@fs/${path.join(PROJECT_ROOT, "package.json")}`,
      "/src/main.tsx",
      "/../package.json",
      "/%2e%2e/%2e%2e/package.json",
      "/assets/",
      "/.env",
      `/@fs${stack.home}/ipfs/identity.json`,
    ]) {
      const response = await fetch(stack.appUrl.replace(/\/$/, "") + probe);
      assert.equal(response.status, 404, probe);
    }
    assert.equal((await fetch(stack.appUrl, { method: "POST" })).status, 405);
  });
});

describe("what npm start rebuilds", () => {
  it("builds an output that is missing or older than any of its sources, and nothing else", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "til-build-test-"));
    try {
      await mkdir(path.join(dir, "src", "deep"), { recursive: true });
      await writeFile(path.join(dir, "src", "deep", "a.sol"), "contract A {}");
      const output: BuildOutput = { name: "test", marker: path.join(dir, "out.json"), sources: [path.join(dir, "src")], command: "true", args: [] };
      assert.equal(await staleReason(output), "not built yet");
      await writeFile(output.marker, "{}");
      const past = new Date(Date.now() - 60_000);
      await utimes(path.join(dir, "src", "deep", "a.sol"), past, past);
      assert.equal(await staleReason(output), undefined);
      await utimes(path.join(dir, "src", "deep", "a.sol"), new Date(), new Date(Date.now() + 5_000));
      assert.equal(await staleReason(output), "sources changed since the last build");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the app's build keeps secrets out of its bundle", () => {
  it("refuses to build with an IPFS API token set, and says where the token goes instead", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), "til-build-secret-"));
    try {
      const build = spawnSync(
        process.execPath,
        [path.join(PROJECT_ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "frontend", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
        {
          cwd: PROJECT_ROOT,
          env: { ...process.env, VITE_TIL_IPFS_API_AUTH: "Bearer do-not-publish-me" },
          encoding: "utf8",
        },
      );
      assert.notEqual(build.status, 0);
      assert.match(build.stderr, /VITE_TIL_IPFS_API_AUTH is set: a build would publish that token/);
      assert.match(build.stderr, /under Settings/);
      assert.equal(await readFile(path.join(outDir, "index.html"), "utf8").catch(() => "absent"), "absent", "nothing was built");
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
