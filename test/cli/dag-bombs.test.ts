/**
 * The CLI against DAG bombs on the local stack started as `npm start` starts it. A stranger
 * (Hardhat's second development account) puts hand-built blocks on the node with the Kubo RPC's
 * `block/put`, pins their root and mints them: entries whose metadata.json, index.md or image is a
 * UnixFS file declaring 2.0 GB, stored in ~260 KB (one 256 KiB leaf linked 7,656 times through two
 * levels of tree nodes), and one whose directory hides the bomb behind a link declaring 100 bytes.
 * `til ls` lists the ordinary entry and names each bomb's problem, in under 200 MB of memory;
 * `show` refuses a bomb with a clear error; `verify` and `export` report them and go on.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { dagBomb, entryWith, putAndMint, type Blocks } from "../support/dag-bombs.ts";
import { runInProject, runTil, startStack, type Stack } from "../support/local-stack.ts";

const PEAK_RSS_LIMIT_MB = 200;

/** Runs `til <args>` under /usr/bin/time: its exit code, output and peak resident memory in MB. */
async function runTilMeasured(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; peakMb: number; seconds: number }> {
  const start = performance.now();
  const run = await runInProject("/usr/bin/time", ["-f", "til-peak-rss-kb=%M", process.execPath, "scripts/til.ts", ...args], env);
  const kb = Number(/til-peak-rss-kb=(\d+)/.exec(run.stderr)?.[1] ?? Number.NaN);
  return {
    code: run.code,
    stdout: run.stdout,
    stderr: run.stderr.replace(/til-peak-rss-kb=\d+\n?|Command exited with non-zero status \d+\n?/g, ""),
    peakMb: kb / 1024,
    seconds: (performance.now() - start) / 1000,
  };
}

interface Minted {
  cid: string;
  sequence: number;
}

describe("til against DAG bombs", () => {
  let work: string;
  let stack: Stack;
  const bombs: Record<"metadata" | "markdown" | "image" | "hidden", Minted> = {} as never;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-bombs-test-"));
    stack = await startStack(path.join(work, "home"));
    await writeFile(path.join(work, "ordinary.md"), "---\ntitle: An ordinary note\ndate: 2024-01-01\ntags: [plain]\n---\nNothing to see.\n");
    const ordinary = await runTil(["publish", path.join(work, "ordinary.md")], stack.env);
    assert.equal(ordinary.code, 0, ordinary.stderr);
    const blocks: Blocks = new Map();
    // 256 KiB x 174 x 44 = 2.0 GB declared.
    const bomb = await dagBomb(blocks, 256 * 1024, [174, 44]);
    assert.equal(bomb.declared, 2_006_974_464n);
    const roots = {
      metadata: await entryWith(blocks, "Metadata bomb", { "metadata.json": bomb }),
      markdown: await entryWith(blocks, "Markdown bomb", { "index.md": bomb }),
      image: await entryWith(blocks, "Image bomb", { "images/huge.png": bomb }),
      hidden: await entryWith(blocks, "Hidden bomb", { "index.md": { cid: bomb.cid, tsize: 100 } }),
    };
    const stored = [...blocks.values()].reduce((sum, b) => sum + b.byteLength, 0);
    assert.ok(stored < 400_000, `the bombs are stored in ${stored} bytes`);
    const start = performance.now();
    for (const [name, root] of Object.entries(roots)) bombs[name as keyof typeof bombs] = await putAndMint(stack, blocks, root.cid);
    assert.ok(performance.now() - start < 60_000, "put, pinned and minted in under a minute");
  });

  after(async () => {
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it(`til ls lists the ordinary entry, names each bomb's problem, and peaks under ${PEAK_RSS_LIMIT_MB} MB`, async (t) => {
    const run = await runTilMeasured(["ls"], stack.env);
    t.diagnostic(`til ls: peak RSS ${run.peakMb.toFixed(0)} MB, ${run.seconds.toFixed(1)} s`);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.peakMb < PEAK_RSS_LIMIT_MB, `til ls peaked at ${run.peakMb.toFixed(0)} MB`);
    const row = (sequence: number) => run.stdout.split("\n").find((line) => line.startsWith(`#${sequence} `)) ?? "";
    assert.match(row(1), /An ordinary note {2}\[plain\]$/);
    assert.match(row(bombs.metadata.sequence), /\(entry refused: metadata\.json declares 2\.0 GB; entries are at most 10 MiB\)$/);
    assert.match(row(bombs.markdown.sequence), /\(entry refused: index\.md declares 2\.0 GB; entries are at most 10 MiB\)$/);
    assert.match(row(bombs.image.sequence), /\(entry refused: images declares 2\.0 GB; entries are at most 10 MiB\)$/);
    // The directory hides it; metadata.json is fine, so ls shows the title (show and verify refuse it).
    assert.match(row(bombs.hidden.sequence), /Hidden bomb {2}\[limits\]$/);
    assert.match(run.stdout, /5 entries\n$/);
    const json = await runTil(["ls", "--json"], stack.env);
    const problem = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { cid: string; problem?: string })
      .find((r) => r.cid === bombs.metadata.cid)?.problem;
    assert.equal(problem, "metadata.json declares 2.0 GB; entries are at most 10 MiB");
  });

  for (const name of ["markdown", "hidden"] as const) {
    it(`til show of the ${name} bomb exits 10 with a clear error, in bounded memory`, async (t) => {
      const run = await runTilMeasured(["show", `#${bombs[name].sequence}`], stack.env);
      t.diagnostic(`til show: peak RSS ${run.peakMb.toFixed(0)} MB, ${run.seconds.toFixed(1)} s`);
      assert.equal(run.code, 10, run.stderr);
      const limit = name === "hidden" ? "a note is at most 1 MiB" : "entries are at most 10 MiB";
      assert.equal(run.stderr.trim(), `til show: Entry ${bombs[name].cid} is refused: index.md declares 2.0 GB; ${limit}.`);
      assert.ok(run.peakMb < PEAK_RSS_LIMIT_MB, `til show peaked at ${run.peakMb.toFixed(0)} MB`);
    });
  }

  it("til verify reports every bomb as a problem and verifies the rest", async (t) => {
    const run = await runTilMeasured(["verify"], stack.env);
    t.diagnostic(`til verify: peak RSS ${run.peakMb.toFixed(0)} MB, ${run.seconds.toFixed(1)} s`);
    assert.equal(run.code, 10, run.stderr);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
      tokens: number;
      verified: number;
      failed: number;
      problems: Array<{ cid: string; problem: string }>;
    };
    assert.deepEqual([summary.tokens, summary.verified, summary.failed], [5, 1, 4]);
    const problemOf = (cid: string) => summary.problems.find((p) => p.cid === cid)?.problem;
    assert.equal(problemOf(bombs.metadata.cid), "metadata.json declares 2.0 GB; entries are at most 10 MiB");
    assert.equal(problemOf(bombs.image.cid), "images declares 2.0 GB; entries are at most 10 MiB");
    assert.equal(problemOf(bombs.hidden.cid), "index.md declares 2.0 GB; entries are at most 10 MiB");
    assert.ok(run.peakMb < PEAK_RSS_LIMIT_MB, `til verify peaked at ${run.peakMb.toFixed(0)} MB`);
  });

  it("til export writes the ordinary entry and counts the bombs as failed", async () => {
    const run = await runTilMeasured(["export", path.join(work, "export")], stack.env);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { exported: number; failed: number };
    assert.deepEqual([summary.exported, summary.failed], [1, 4], run.stderr);
    assert.match(run.stderr, new RegExp(`failed: ${bombs.markdown.cid}: index\\.md declares 2\\.0 GB`));
    assert.ok(run.peakMb < PEAK_RSS_LIMIT_MB, `til export peaked at ${run.peakMb.toFixed(0)} MB`);
  });
});
