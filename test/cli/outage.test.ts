/**
 * An IPFS node outage in the middle of an import: the CLI stops with exit code 3 and loses
 * nothing, and once the node is back the same command publishes the rest, each note exactly once.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";
import { startDaemonProcess, type DaemonProcess } from "../ipfs/daemon-process.ts";
import { runTil, spawnTil, startStack } from "../support/local-stack.ts";

/** The pid of the IPFS daemon the stack started for `repo` (read from /proc). */
async function ipfsDaemonPid(repo: string): Promise<number> {
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const args = (await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (args.includes("daemon") && args.includes("ipfs") && args[args.indexOf("--repo") + 1] === repo) return Number(name);
  }
  throw new Error(`no IPFS daemon running for ${repo}`);
}

test("an IPFS outage midway: exit code 3, then the same command finishes the import without duplicates", { timeout: 240_000 }, async () => {
  const work = await mkdtemp(path.join(tmpdir(), "til-outage-test-"));
  const stack = await startStack(path.join(work, "home"));
  let revived: DaemonProcess | undefined;
  const provider = providerFor(stack.rpcUrl, 31337);
  try {
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
    const total = async () => (await registryAt(deployment.address, provider).getFunction("totalEntries")()) as bigint;
    const folder = path.join(work, "notes");
    await mkdir(folder);
    const count = 200;
    for (let i = 0; i < count; i++) {
      await writeFile(path.join(folder, `n${String(i).padStart(3, "0")}.md`), `---\ntitle: "Outage note ${i}"\ndate: 2024-02-01\n---\n\nText ${i}.\n`);
    }

    const journal = path.join(stack.home, "journal.ndjson");
    const pinnedSoFar = async () => ((await readFile(journal, "utf8").catch(() => "")).match(/"event":"pinned"/g) ?? []).length;
    const child = spawnTil(["import", folder, "--batch-size", "10"], stack.env);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    while ((await pinnedSoFar()) < 30) await new Promise((r) => setTimeout(r, 10));
    const repo = path.join(stack.home, "ipfs");
    process.kill(await ipfsDaemonPid(repo), "SIGKILL");
    assert.equal(await exited, 3, `the import stops with 'IPFS unreachable':\n${child.stderrText()}`);
    assert.match(child.stderrText(), /IPFS RPC API stopped answering while pinning/);
    const partial = await total();
    assert.ok(partial < BigInt(count), `stopped midway (${partial} of ${count} minted)`);

    revived = await startDaemonProcess(repo, ["--api", `127.0.0.1:${stack.ports.api}`, "--gateway", `127.0.0.1:${stack.ports.gateway}`]);
    const resumed = await runTil(["import", folder], stack.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = resumed.summary();
    assert.equal(summary.failed, 0);
    assert.equal((summary.published as number) + (summary.alreadyPublished as number), count);
    assert.equal(await total(), BigInt(count), "every note exactly once");
    const verify = await runTil(["verify"], stack.env);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.summary().verified, count, "every entry's content is pinned and retrievable");
  } finally {
    provider.destroy();
    await revived?.stop();
    await stack.stop();
    await rm(work, { recursive: true, force: true });
  }
});
