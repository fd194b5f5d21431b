/**
 * Entries end to end from the terminal, against the local stack started as `npm start` starts it:
 * import a TIL log and a folder, list, show, export and re-import with identical CIDs, kill an
 * import midway and resume, restart the stack and find every entry restored, and the clear exit
 * codes of every misconfiguration.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Wallet } from "ethers";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";
import { PROJECT_ROOT, freePort, runTil, spawnTil, startStack, type Stack } from "../support/local-stack.ts";

const TIL_LOG = path.join(PROJECT_ROOT, "test/fixtures/til-log/README.md");
const TIL_FOLDER = path.join(PROJECT_ROOT, "test/fixtures/til-folder");

async function totalEntries(stack: Stack): Promise<bigint> {
  const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
  const provider = providerFor(stack.rpcUrl, 31337);
  try {
    return (await registryAt(deployment.address, provider).getFunction("totalEntries")()) as bigint;
  } finally {
    provider.destroy();
  }
}

function cidsOf(listing: string): string[] {
  return listing
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { cid: string }).cid)
    .sort();
}

describe("til publishing against the local stack", () => {
  let work: string;
  let stack: Stack;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-cli-test-"));
    stack = await startStack(path.join(work, "home"));
  });

  after(async () => {
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("--dry-run prints every entry's CID without touching chain or IPFS", async () => {
    const run = await runTil(["import", TIL_LOG, "--dry-run"], { ...stack.env, TIL_IPFS_API: "127.0.0.1:9", TIL_RPC_URL: "http://127.0.0.1:9" });
    assert.equal(run.code, 0, run.stderr);
    const summary = run.summary();
    assert.ok((summary.found as number) >= 5, "the fixture log holds several entries");
    assert.equal(summary.published, 0);
    const lines = run.stdout.trim().split("\n").slice(0, -1);
    assert.equal(lines.length, summary.found);
    for (const line of lines) assert.match(line, /^bafybei[a-z2-7]{52}\t/);
    assert.equal(await totalEntries(stack), 0n);
    const journal = await readFile(path.join(stack.home, "journal.ndjson"), "utf8").catch(() => "");
    assert.ok(!journal.includes('"event":"packed"'), "a dry run records nothing in the journal");
  });

  it("imports a TIL log once: every entry published, the same command again publishes nothing new", async () => {
    const dry = await runTil(["import", TIL_LOG, "--dry-run"], stack.env);
    const expected = dry.stdout
      .trim()
      .split("\n")
      .slice(0, -1)
      .map((l) => l.split("\t")[0])
      .sort();

    const first = await runTil(["import", TIL_LOG], stack.env);
    assert.equal(first.code, 0, first.stderr);
    const summary = first.summary();
    assert.equal(summary.published, summary.found);
    assert.equal(summary.failed, 0);
    assert.ok(BigInt(summary.gasUsed as string) > 0n);
    assert.match(first.stderr, /warning: .*not found/, "the fixture's missing image is reported");

    const again = await runTil(["import", TIL_LOG], stack.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.summary().published, again.summary().alreadyPublished], [0, summary.found]);

    const listed = await runTil(["ls", "--json"], stack.env);
    assert.deepEqual(cidsOf(listed.stdout), expected, "the chain lists exactly the CIDs computed locally");
    assert.equal(await totalEntries(stack), BigInt(summary.found as number));
  });

  it("imports a folder of notes with folder names as tags, and ls filters by tag", async () => {
    const run = await runTil(["import", TIL_FOLDER], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((run.summary().published as number) >= 3);
    const tagged = await runTil(["ls", "--json", "--tag", "postgres"], stack.env);
    const rows = tagged.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tags: string[]; title: string });
    assert.ok(rows.length >= 1);
    for (const row of rows) assert.ok(row.tags.map((t) => t.toLowerCase()).includes("postgres"), `${row.title} has the tag`);
  });

  it("shows an entry by CID and by token id, verified against its CID", async () => {
    const [first] = (await runTil(["ls", "--json"], stack.env)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { cid: string; tokenId: string; title: string });
    for (const target of [first.cid, first.tokenId]) {
      const run = await runTil(["show", target], stack.env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`cid\\s+${first.cid}`));
      assert.match(run.stdout, /verified\s+every block matched the CID/);
      assert.ok(run.stdout.includes(`title: ${JSON.stringify(first.title)}`), "prints the note with its front matter");
    }
    const missing = await runTil(["show", "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"], stack.env);
    assert.equal(missing.code, 9);
    assert.match(missing.stderr, /No entry with CID/);
  });

  it("exports every entry as markdown, and importing the export gives the same CIDs", async () => {
    const folder = path.join(work, "export");
    const exported = await runTil(["export", folder], stack.env);
    assert.equal(exported.code, 0, exported.stderr);
    const onChain = [...new Set(cidsOf((await runTil(["ls", "--json"], stack.env)).stdout))].sort();
    assert.equal(exported.summary().exported, onChain.length);
    const reimported = await runTil(["import", folder], stack.env);
    assert.equal(reimported.code, 0, reimported.stderr);
    assert.deepEqual([reimported.summary().published, reimported.summary().alreadyPublished], [0, onChain.length]);
  });

  it("verify finds every token's content retrievable, matching and pinned", async () => {
    const run = await runTil(["verify"], stack.env);
    assert.equal(run.code, 0, run.stderr);
    const summary = run.summary();
    assert.equal(summary.failed, 0);
    assert.equal(summary.verified, summary.tokens);
  });

  it("an import killed midway resumes with the same command, without duplicates or failures", async () => {
    const folder = path.join(work, "many");
    await mkdir(folder, { recursive: true });
    const count = 300;
    for (let i = 0; i < count; i++) {
      await writeFile(
        path.join(folder, `note-${String(i).padStart(4, "0")}.md`),
        `---\ntitle: "Generated note ${i}"\ndate: 2024-01-${String((i % 28) + 1).padStart(2, "0")}\n---\n\nBody ${i}: ${"x".repeat(i % 50)}\n`,
      );
    }
    const before = await totalEntries(stack);
    const journal = path.join(stack.home, "journal.ndjson");
    const mintedSoFar = async () => ((await readFile(journal, "utf8")).match(/"event":"minted"/g) ?? []).length;
    const baseline = await mintedSoFar();
    const child = spawnTil(["import", folder, "--batch-size", "10"], stack.env);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    while ((await mintedSoFar()) < baseline + 30) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await exited;
    const partial = (await totalEntries(stack)) - before;
    assert.ok(partial > 0n && partial < BigInt(count), `killed midway (${partial} of ${count} minted)`);

    const resumed = await runTil(["import", folder, "--batch-size", "50"], stack.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = resumed.summary();
    assert.equal(summary.failed, 0);
    assert.equal(summary.found, count);
    assert.equal((summary.published as number) + (summary.alreadyPublished as number), count);
    assert.equal(BigInt(summary.alreadyPublished as number), partial, "what the killed run minted counts as already published");
    assert.equal((await totalEntries(stack)) - before, BigInt(count), "every note exactly once");
  });

  it("use-deployment points another home at the same registry by RPC URL and address", async () => {
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
    const otherHome = path.join(work, "other-home");
    const wrote = await runTil(["use-deployment", "--rpc-url", stack.rpcUrl, "--address", deployment.address, "--deploy-block", "0"], {
      ...stack.env,
      TIL_HOME: otherHome,
    });
    assert.equal(wrote.code, 0, wrote.stderr);
    const written = JSON.parse(await readFile(path.join(otherHome, "deployment.json"), "utf8"));
    assert.deepEqual(written, { chainId: 31337, address: deployment.address, rpcUrl: stack.rpcUrl, deployBlock: 0 });
    const here = cidsOf((await runTil(["ls", "--json"], stack.env)).stdout);
    const there = cidsOf((await runTil(["ls", "--json"], { ...stack.env, TIL_HOME: otherHome })).stdout);
    assert.deepEqual(there, here);
    const wrongAddress = await runTil(["use-deployment", "--rpc-url", stack.rpcUrl, "--address", "0x000000000000000000000000000000000000dEaD"], {
      ...stack.env,
      TIL_HOME: otherHome,
    });
    assert.equal(wrongAddress.code, 6, wrongAddress.stderr);
  });

  describe("clear errors and exit codes", () => {
    let note: string;
    before(async () => {
      note = path.join(work, "one.md");
      await writeFile(note, "# A single note\n\nWith a body.\n");
    });

    it("3 when the IPFS API is unreachable, and the same command publishes once it is back", async () => {
      const down = await runTil(["publish", note], { ...stack.env, TIL_IPFS_API: `127.0.0.1:${await freePort()}` });
      assert.equal(down.code, 3, down.stderr);
      assert.match(down.stderr, /IPFS RPC API at .* does not answer/);
      const back = await runTil(["publish", note], stack.env);
      assert.equal(back.code, 0, back.stderr);
      assert.equal(back.summary().published, 1);
    });

    it("1 and nothing minted when the IPFS node pins an entry under another CID than the one computed locally", async () => {
      const before = await totalEntries(stack);
      // A Kubo-like RPC API that answers every add with a wrong CID for each entry directory.
      const identity = await (await fetch(`${stack.apiUrl}/api/v0/id`, { method: "POST" })).text();
      const liar = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
          if (req.url?.startsWith("/api/v0/id")) return void res.end(identity);
          const names = new Set([...body.matchAll(/filename="([^"/%]+)(?:%2F|\/)/g)].map((m) => m[1]));
          res.setHeader("content-type", "application/x-ndjson");
          for (const name of names)
            res.write(`${JSON.stringify({ Name: name, Hash: "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", Size: "1" })}\n`);
          res.end();
        });
      });
      await new Promise<void>((resolve) => liar.listen(0, "127.0.0.1", resolve));
      try {
        const lied = path.join(work, "lied-about.md");
        await writeFile(lied, "# Pinned under the wrong CID\n\nThe node must not get away with it.\n");
        const run = await runTil(["publish", lied], { ...stack.env, TIL_IPFS_API: `127.0.0.1:${(liar.address() as AddressInfo).port}` });
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /pinned it as bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku, not as its locally computed CID/);
        assert.deepEqual([run.summary().failed, run.summary().published], [1, 0]);
        assert.equal(await totalEntries(stack), before);
      } finally {
        liar.close();
      }
    });

    it("4 when the chain is unreachable", async () => {
      const run = await runTil(["publish", note], { ...stack.env, TIL_RPC_URL: `http://127.0.0.1:${await freePort()}` });
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stderr, /does not answer/);
    });

    it("5 for the wrong chain id and 6 when no contract is at the address", async () => {
      const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
      const wrongHome = path.join(work, "wrong-chain");
      await mkdir(wrongHome, { recursive: true });
      await writeFile(path.join(wrongHome, "deployment.json"), JSON.stringify({ ...deployment, chainId: 10 }));
      const wrong = await runTil(["publish", note], { ...stack.env, TIL_HOME: wrongHome });
      assert.equal(wrong.code, 5, wrong.stderr);
      assert.match(wrong.stderr, /serves chain 31337, but the registry was deployed on chain 10/);

      const emptyHome = path.join(work, "no-contract");
      await mkdir(emptyHome, { recursive: true });
      await writeFile(path.join(emptyHome, "deployment.json"), JSON.stringify({ ...deployment, address: "0x000000000000000000000000000000000000dEaD" }));
      const none = await runTil(["publish", note], { ...stack.env, TIL_HOME: emptyHome });
      assert.equal(none.code, 6, none.stderr);
      assert.match(none.stderr, /no contract at 0x000000000000000000000000000000000000dEaD/);
    });

    it("7 when the author cannot pay for gas, and nothing is minted", async () => {
      const before = await totalEntries(stack);
      const poor = Wallet.createRandom().privateKey;
      const fresh = path.join(work, "fresh.md");
      await writeFile(fresh, "# Paid by nobody\n\nThis note's author has no ETH.\n");
      const run = await runTil(["publish", fresh], { ...stack.env, TIL_AUTHOR_KEY: poor });
      assert.equal(run.code, 7, run.stderr);
      assert.match(run.stderr, /Fund the account/);
      assert.equal(await totalEntries(stack), before);
    });

    it("8 for a note over the size limit, while the other notes are published", async () => {
      const big = path.join(work, "big.md");
      await writeFile(big, `# Too big\n\n${"a".repeat(1024 * 1024 + 10)}\n`);
      const small = path.join(work, "small.md");
      await writeFile(small, "# Small enough\n\nFine.\n");
      const run = await runTil(["publish", big, small], stack.env);
      assert.equal(run.code, 8, run.stderr);
      assert.match(run.stderr, /big\.md/);
      assert.deepEqual([run.summary().failed, run.summary().published], [1, 1]);
    });
  });

  it("restarting the stack restores every entry published before", async () => {
    const listedBefore = cidsOf((await runTil(["ls", "--json"], stack.env)).stdout);
    await stack.stop();
    stack = await startStack(stack.home, { ports: stack.ports });
    assert.match(stack.output(), new RegExp(`Restored ${listedBefore.length} entries`));
    const listedAfter = cidsOf((await runTil(["ls", "--json"], stack.env)).stdout);
    assert.deepEqual(listedAfter, listedBefore);
    const verify = await runTil(["verify"], stack.env);
    assert.equal(verify.code, 0, verify.stderr);
  });
});
