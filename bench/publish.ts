/**
 * `npm run bench:publish`: publishing throughput on the local stack, started as `npm start` starts it.
 *
 * Side by side in one run:
 *   - 1,000 generated entries imported with batching (100 per transaction): the measured case;
 *   - 100 entries with one transaction per entry: the baseline batching is compared against;
 *   - a folder of 10,000 files: the CLI's peak memory on a big import.
 * BENCH_ENTRIES sets the measured case's number of entries (default 1,000); the baseline has a
 * tenth of it and the big folder ten times it (the goals are for the default).
 * Peak memory is the CLI process's VmHWM from /proc (Linux). Prints a table and the goals, then one
 * JSON line last: the figures, `thresholds` (each goal's limit) and `goals` (each goal's name -> met).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { tilNodeFlags } from "../ipfs-node/node-flags.ts";
import { PROJECT_ROOT, startStack } from "../test/support/local-stack.ts";

/** The CLI runs as `npm run til` runs it: with the Node flags of package.json's "til" script. */
const TIL_NODE_FLAGS = tilNodeFlags(PROJECT_ROOT);

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000);
if (!Number.isInteger(ENTRIES) || ENTRIES < 10 || ENTRIES > 100_000) {
  throw new Error(`BENCH_ENTRIES must be a whole number from 10 to 100,000, not "${process.env.BENCH_ENTRIES}"`);
}
const BASELINE_ENTRIES = Math.floor(ENTRIES / 10);
const BIG_FOLDER_FILES = ENTRIES * 10;

/** Each goal's limit: at least, for a rate; at most, for memory. */
const THRESHOLDS = { batchedEntriesPerSecond: 100, batchedPeakMemoryMB: 400, bigFolderPeakMemoryMB: 400 };
const TAGS = ["databases", "javascript", "ipfs", "ethereum", "linux", "networking"];

interface Measured {
  summary: { found: number; published: number; failed: number; gasUsed: string; seconds: number; stages: { pack: number; pin: number; mint: number } };
  wallSeconds: number;
  peakMB: number;
}

async function generateNotes(folder: string, count: number, offset: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const n = offset + i;
    const tag = TAGS[n % TAGS.length];
    const day = String((n % 28) + 1).padStart(2, "0");
    const text = [
      "---",
      `title: "Benchmark note ${n}: ${tag} tip"`,
      `date: 2025-${String((n % 12) + 1).padStart(2, "0")}-${day}`,
      `tags: [${tag}, bench]`,
      "---",
      "",
      `Today I learned fact number ${n} about ${tag}. It is short, like most TIL notes, with a code block:`,
      "",
      "```sh",
      `echo "note ${n}" | sha256sum`,
      "```",
      "",
      `- a list item\n- and [a link](https://example.org/${n})`,
      "",
    ].join("\n");
    await writeFile(path.join(folder, `note-${String(n).padStart(5, "0")}.md`), text);
  }
}

/** Runs `til import` as its own process, sampling its peak resident memory. */
async function importFolder(folder: string, env: Record<string, string>, batchSize: number): Promise<Measured> {
  const started = performance.now();
  const child = spawn(process.execPath, [...TIL_NODE_FLAGS, "scripts/til.ts", "import", folder, "--batch-size", String(batchSize)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  let peakKB = 0;
  const sampler = setInterval(async () => {
    try {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8");
      peakKB = Math.max(peakKB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // the process has just exited
    }
  }, 25);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`til import exited with ${code}:\n${stderr.slice(-2000)}`);
  return { summary: JSON.parse(stdout.trim().split("\n").at(-1)!), wallSeconds: (performance.now() - started) / 1000, peakMB: peakKB / 1024 };
}

const work = await mkdtemp(path.join(tmpdir(), "til-bench-publish-"));
const stack = await startStack(path.join(work, "home"));
try {
  await generateNotes(path.join(work, "batched"), ENTRIES, 0);
  await generateNotes(path.join(work, "unbatched"), BASELINE_ENTRIES, ENTRIES);
  await generateNotes(path.join(work, "big"), BIG_FOLDER_FILES, 2 * ENTRIES);

  // The unbatched baseline runs first, so the nodes are warm for the measured runs.
  const unbatched = await importFolder(path.join(work, "unbatched"), stack.env, 1);
  const batched = await importFolder(path.join(work, "batched"), stack.env, 100);
  const big = await importFolder(path.join(work, "big"), stack.env, 100);

  const rate = (m: Measured) => m.summary.published / m.summary.seconds;
  const perEntryGas = (m: Measured) => Math.round(Number(m.summary.gasUsed) / m.summary.published);
  const rows: Array<[string, Measured]> = [
    [`${ENTRIES.toLocaleString("en")} entries, 100 per transaction`, batched],
    [`${BASELINE_ENTRIES.toLocaleString("en")} entries, 1 per transaction (baseline)`, unbatched],
    [`${BIG_FOLDER_FILES.toLocaleString("en")}-file folder, 100 per transaction`, big],
  ];
  console.log("\nPublishing on the local stack (Hardhat node + embedded IPFS node), CLI as its own process\n");
  console.log(
    `${"run".padEnd(44)} ${"entries/s".padStart(10)} ${"gas/entry".padStart(10)} ${"pack s".padStart(7)} ${"pin s".padStart(7)} ${"mint s".padStart(7)} ${"total s".padStart(8)} ${"peak MB".padStart(8)}`,
  );
  for (const [name, m] of rows) {
    const s = m.summary;
    console.log(
      `${name.padEnd(44)} ${rate(m).toFixed(1).padStart(10)} ${String(perEntryGas(m)).padStart(10)} ${s.stages.pack.toFixed(2).padStart(7)} ${s.stages.pin.toFixed(2).padStart(7)} ${s.stages.mint.toFixed(2).padStart(7)} ${s.seconds.toFixed(2).padStart(8)} ${m.peakMB.toFixed(0).padStart(8)}`,
    );
  }
  const result = {
    entries: batched.summary.published,
    entriesPerSecond: Number(rate(batched).toFixed(1)),
    gasPerEntry: perEntryGas(batched),
    packSeconds: batched.summary.stages.pack,
    pinSeconds: batched.summary.stages.pin,
    mintSeconds: batched.summary.stages.mint,
    totalSeconds: batched.summary.seconds,
    peakMemoryMB: Number(batched.peakMB.toFixed(1)),
    baselineUnbatchedEntriesPerSecond: Number(rate(unbatched).toFixed(1)),
    baselineUnbatchedGasPerEntry: perEntryGas(unbatched),
    bigFolderFiles: big.summary.published,
    bigFolderEntriesPerSecond: Number(rate(big).toFixed(1)),
    bigFolderPeakMemoryMB: Number(big.peakMB.toFixed(1)),
  };
  const measured = { batchedEntriesPerSecond: rate(batched), batchedPeakMemoryMB: batched.peakMB, bigFolderPeakMemoryMB: big.peakMB };
  const goals = {
    batchedEntriesPerSecond: measured.batchedEntriesPerSecond >= THRESHOLDS.batchedEntriesPerSecond,
    batchedPeakMemoryMB: measured.batchedPeakMemoryMB <= THRESHOLDS.batchedPeakMemoryMB,
    bigFolderPeakMemoryMB: measured.bigFolderPeakMemoryMB <= THRESHOLDS.bigFolderPeakMemoryMB,
  };
  console.log(`\n${"goal".padEnd(28)} ${"measured".padStart(10)} ${"limit".padStart(10)}  met`);
  for (const name of Object.keys(THRESHOLDS) as Array<keyof typeof THRESHOLDS>) {
    const limit = `${name.endsWith("PerSecond") ? ">=" : "<="} ${THRESHOLDS[name]}`;
    console.log(`${name.padEnd(28)} ${measured[name].toFixed(1).padStart(10)} ${limit.padStart(10)}  ${goals[name] ? "yes" : "NO"}`);
  }
  console.log("");
  console.log(JSON.stringify({ ...result, thresholds: THRESHOLDS, goals }));
} finally {
  await stack.stop();
  await rm(work, { recursive: true, force: true });
}
