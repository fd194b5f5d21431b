/**
 * The publish pipeline's stages without the stack: an in-memory registry and IPFS node stand in
 * for the chain and Kubo, the journal is a real one in a temporary folder. The summary is built
 * from the stages' results; a failing chunk neither loses nor doubles the others; warnings carry
 * codes; packing, pinning and minting of consecutive chunks overlap.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Deployment } from "#core/contract/deployment.ts";
import type { PackedEntry } from "#core/entry/index.ts";
import { PinnedCidMismatchError } from "#core/entry/pin.ts";
import type { Warning } from "#core/entry/warnings.ts";
import type { ImportedNote, ImportItem } from "#core/import/folder.node.ts";
import { skippedSource } from "#core/import/note-text.ts";
import type { PublishedEvent } from "../../scripts/chain/registry.ts";
import { CliError, EXIT_CODES } from "../../scripts/cli/errors.ts";
import { Journal } from "../../scripts/publishing/journal.ts";
import type { ProgressState } from "../../scripts/cli/progress.ts";
import {
  AlreadyPublishedError,
  exitCodeOf,
  NO_PACK_OUTCOMES,
  packNotes,
  runPipeline,
  summarize,
  tallyPack,
  type ChunkResult,
  type PackOutcome,
  type PipelineParts,
  type PublishingChain,
  type PublishingIpfs,
} from "../../scripts/publishing/publish-entries.ts";

const DEPLOYMENT: Deployment = { chainId: 31337, address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", rpcUrl: "http://127.0.0.1:8545", deployBlock: 0 };
const AUTHOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const LIE = "bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function note(i: number, extra: Partial<ImportedNote> = {}): ImportedNote {
  return {
    note: { title: `Note ${i}`, date: "2024-03-01", tags: ["test"], body: `Body of note ${i}.\n` },
    sourcePath: `/notes/n${i}.md`,
    sourceLine: 1,
    images: new Map(),
    dateSource: "front-matter",
    warnings: [],
    ...extra,
  };
}

async function* fromList(items: ImportItem[]): AsyncGenerator<ImportItem> {
  for (const item of items) yield item;
}

/** An in-memory registry: one token per digest, batches all or none, revisions by note key, like the contract. */
function fakeRegistry(timeline: string[] = [], mintDelayMs = 0) {
  const tokens = new Map<string, bigint>();
  const batches: string[][] = [];
  /** Versions (digests) of each token, by note key. */
  const notes = new Map<string, { tokenId: bigint; versions: string[] }>();
  const revisions: Array<{ tokenId: bigint; digest: string }> = [];
  const chain: PublishingChain = {
    deployment: DEPLOYMENT,
    author: AUTHOR,
    async tokensOf(digests) {
      return digests.map((d) => tokens.get(d) ?? 0n);
    },
    async notesOf(noteKeys) {
      return noteKeys.map((key) => {
        const note = notes.get(key);
        if (!note) return undefined;
        const [beforeLatest, latest] = note.versions.slice(-2).length === 2 ? note.versions.slice(-2) : [undefined, note.versions[0]];
        return { tokenId: note.tokenId, latest: latest as `0x${string}`, ...(beforeLatest ? { beforeLatest: beforeLatest as `0x${string}` } : {}) };
      });
    },
    async revise(tokenId, digest, onSent) {
      const note = [...notes.values()].find((n) => n.tokenId === tokenId)!;
      if (note.versions.at(-1) === digest) throw new AlreadyPublishedError();
      const txHash = `0x${"e".repeat(63)}${revisions.length}` as const;
      await onSent(txHash);
      note.versions.push(digest);
      revisions.push({ tokenId, digest });
      const event = {
        tokenId,
        revision: BigInt(note.versions.length - 1),
        digest: digest as `0x${string}`,
        cid: `cid-of-${digest}`,
        txHash,
        blockNumber: 99n,
        logIndex: 0,
      };
      return { event, gasUsed: 35_000n };
    },
    async publishBatch(digests, noteKeys, onSent) {
      if (digests.some((d) => tokens.has(d))) throw new AlreadyPublishedError();
      const batch = batches.length + 1;
      const txHash = `0x${String(batch).padStart(64, "0")}` as const;
      await onSent(txHash);
      timeline.push(`mint ${batch} sent`);
      await sleep(mintDelayMs);
      const events: PublishedEvent[] = digests.map((digest, i) => {
        tokens.set(digest, BigInt(tokens.size + 1));
        // Like the CLI's registry reader: a zero note key names no note.
        if (!/^0x0+$/.test(noteKeys[i]) && !notes.has(noteKeys[i])) notes.set(noteKeys[i], { tokenId: tokens.get(digest)!, versions: [digest] });
        return {
          tokenId: tokens.get(digest)!,
          author: AUTHOR,
          digest: digest as `0x${string}`,
          cid: `cid-of-${digest}`,
          txHash,
          blockNumber: BigInt(batch),
          logIndex: i,
        } as unknown as PublishedEvent;
      });
      batches.push(digests);
      timeline.push(`mint ${batch} mined`);
      return { events, gasUsed: 20_000n + 1_000n * BigInt(digests.length) };
    },
  };
  return { chain, tokens, batches, revisions };
}

/** An in-memory IPFS node: pins what it is given, or fails the `failAt`-th request, or reports `lies` under another CID. */
function fakeIpfs(options: { failAt?: number; lies?: (entry: PackedEntry) => boolean; timeline?: string[] } = {}) {
  const pinned: string[] = [];
  let requests = 0;
  const ipfs: PublishingIpfs = {
    async pinEntries(entries) {
      requests += 1;
      options.timeline?.push(`pin ${requests}`);
      await sleep(1);
      if (requests === options.failAt) throw new CliError(EXIT_CODES.ipfsUnreachable, "The IPFS RPC API stopped answering while pinning (test).");
      pinned.push(...entries.map((e) => e.cid));
      return entries.map((e) =>
        options.lies?.(e) ? { cid: e.cid, pinnedAs: LIE, mismatch: new PinnedCidMismatchError(e.cid, LIE) } : { cid: e.cid, pinnedAs: e.cid },
      );
    },
  };
  return { ipfs, pinned };
}

function fakeProgress() {
  const updates: ProgressState[] = [];
  const logs: string[] = [];
  return {
    updates,
    logs,
    progress: { update: (state: ProgressState) => void updates.push(state), log: (message: string) => void logs.push(message), finish: () => {} },
  };
}

describe("publish pipeline stages (no stack)", () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "til-stages-test-"));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  async function parts(dir: string, more: Partial<PipelineParts>): Promise<PipelineParts & { logs: string[]; updates: ProgressState[] }> {
    const { progress, logs, updates } = fakeProgress();
    return { journal: await Journal.open(path.join(home, dir)), dryRun: false, batchSize: 2, print: () => {}, progress, logs, updates, ...more };
  }

  it("builds the summary and the exit code from the stages' results alone", () => {
    const failure = { source: "/n/big.md:1", message: "too large", exitCode: EXIT_CODES.noteTooLarge };
    const outcomes: PackOutcome[] = [
      { kind: "skipped", skip: skippedSource("repository-document", "/n/README.md", 1, "a repository document") },
      { kind: "skipped", skip: skippedSource("empty", "/n/empty.md", 1, "the file is empty") },
      { kind: "failed", failure, ms: 5 },
      { kind: "duplicate", source: "/n/b.md:1", warnings: [{ code: "duplicate-content", message: "same content as /n/a.md:1; published once." }], ms: 10 },
      {
        kind: "packed",
        entry: { source: "/n/a.md:1", packed: {} as PackedEntry, noteKey: "0x01", origin: { note: note(1).note, images: new Map() } },
        warnings: [
          { code: "date-guessed", message: "year guessed" },
          { code: "image-missing", message: "gone" },
        ],
        ms: 1_005,
      },
    ];
    const pack = outcomes.reduce(tallyPack, NO_PACK_OUTCOMES);
    const chunks: ChunkResult[] = [
      { entries: 2, published: 1, alreadyPublished: 1, failures: [], gasUsed: 30_000n, pinMs: 2_000, mintMs: 1_500 },
      {
        entries: 3,
        published: 2,
        alreadyPublished: 0,
        failures: [{ source: "/n/c.md:1", message: "pinned as other", exitCode: EXIT_CODES.entriesFailed }],
        gasUsed: 40_000n,
        pinMs: 500,
        mintMs: 500,
      },
    ];
    assert.deepEqual(summarize(pack, chunks, { checked: false, elapsedMs: 3_456 }), {
      found: 3,
      published: 3,
      revised: 0,
      alreadyPublished: 2,
      failed: 2,
      warnings: 4,
      skipped: 2,
      gasUsed: "70000",
      seconds: 3.46,
      stages: { pack: 1.02, pin: 2.5, mint: 2 },
    });
    assert.equal(exitCodeOf([...pack.failures, ...chunks.flatMap((c) => c.failures)]), EXIT_CODES.noteTooLarge, "a code of its own wins over 'some failed'");
    assert.equal(exitCodeOf(chunks[1].failures), EXIT_CODES.entriesFailed);
    assert.equal(exitCodeOf([]), EXIT_CODES.ok);
    const dry = summarize(pack, [{ entries: 2, published: 0, alreadyPublished: 1, new: 1, failures: [], gasUsed: 0n, pinMs: 0, mintMs: 0 }], {
      checked: true,
      elapsedMs: 0,
    });
    assert.deepEqual(Object.keys(dry), [
      "found",
      "published",
      "revised",
      "alreadyPublished",
      "new",
      "failed",
      "warnings",
      "skipped",
      "gasUsed",
      "seconds",
      "stages",
    ]);
    assert.deepEqual([dry.new, dry.alreadyPublished], [1, 2]);
  });

  it("publishes every note once, one transaction per chunk, and the progress line's gas is the summary's", async () => {
    const { chain, batches } = fakeRegistry();
    const { ipfs } = fakeIpfs();
    const run = await parts("all", { chain, ipfs, total: 7 });
    const { summary, exitCode } = await runPipeline(fromList(Array.from({ length: 7 }, (_, i) => note(i))), run);
    assert.equal(exitCode, EXIT_CODES.ok);
    assert.deepEqual([summary.found, summary.published, summary.alreadyPublished, summary.failed], [7, 7, 0, 0]);
    assert.deepEqual(
      batches.map((b) => b.length),
      [2, 2, 2, 1],
    );
    assert.equal(summary.gasUsed, String(4 * 20_000 + 7 * 1_000));
    const last = run.updates.at(-1)!;
    assert.deepEqual([last.done, last.total, last.gasUsed?.toString()], [7, 7, summary.gasUsed]);
    const journal = await Journal.open(path.join(home, "all"));
    assert.deepEqual(
      ["packed", "pinned", "mint-sent", "minted"].map((event) => journal.records.filter((r) => r.event === event).length),
      [7, 7, 4, 7],
    );
  });

  it("an IPFS outage in one chunk stops the run with exit code 3; the chunk minted before it is journaled, and the same run again mints the rest, each note once", async () => {
    const { chain, tokens, batches } = fakeRegistry([], 30);
    const notes = () => fromList(Array.from({ length: 7 }, (_, i) => note(100 + i)));
    const down = fakeIpfs({ failAt: 2 });
    await assert.rejects(
      runPipeline(notes(), await parts("outage", { chain, ipfs: down.ipfs })),
      (error: unknown) => error instanceof CliError && error.exitCode === EXIT_CODES.ipfsUnreachable,
    );
    assert.deepEqual(
      batches.map((b) => b.length),
      [2],
      "the first chunk, in flight when the second failed, is minted; nothing after it",
    );
    const journal = await Journal.open(path.join(home, "outage"));
    assert.equal(journal.records.filter((r) => r.event === "minted").length, 2, "and journaled before the error is thrown");

    const back = fakeIpfs();
    const again = await runPipeline(notes(), await parts("outage", { chain, ipfs: back.ipfs }));
    assert.equal(again.exitCode, EXIT_CODES.ok);
    assert.deepEqual([again.summary.published, again.summary.alreadyPublished, again.summary.failed], [5, 2, 0]);
    assert.equal(tokens.size, 7);
    assert.equal(new Set(batches.flat()).size, batches.flat().length, "no digest sent twice");
    assert.equal(back.pinned.length, 5, "what the journal records as pinned is not pinned again");
  });

  it("an entry the node pins under another CID fails alone (exit 1, not minted); the rest of its chunk is minted", async () => {
    const { chain, batches } = fakeRegistry();
    const { ipfs } = fakeIpfs({ lies: (entry) => entry.note.title === "Note 201" });
    const run = await parts("liar", { chain, ipfs });
    const { summary, exitCode } = await runPipeline(fromList([note(200), note(201), note(202)]), run);
    assert.equal(exitCode, EXIT_CODES.entriesFailed);
    assert.deepEqual([summary.published, summary.failed], [2, 1]);
    assert.deepEqual(
      batches.map((b) => b.length),
      [1, 1],
    );
    assert.ok(
      run.logs.some((line) => /^failed: \/notes\/n201\.md:1: the IPFS node pinned it as bafybei\w+, not as its locally computed CID/.test(line)),
      run.logs.join("\n"),
    );
  });

  it("an entry minted by someone else between check and mint (the registry refuses the batch) counts as already published; the rest of the chunk is minted", async () => {
    const { chain, tokens, batches } = fakeRegistry();
    const notes = [note(250), note(251), note(252)];
    let raced = false;
    const racing: PublishingChain = {
      ...chain,
      async publishBatch(digests, noteKeys, onSent) {
        if (!raced) {
          raced = true;
          tokens.set(digests[1], 999n); // an earlier run's pending transaction, mined just now
        }
        return chain.publishBatch(digests, noteKeys, onSent);
      },
    };
    const run = await parts("race", { chain: racing, ipfs: fakeIpfs().ipfs, batchSize: 3 });
    const { summary, exitCode } = await runPipeline(fromList(notes), run);
    assert.equal(exitCode, EXIT_CODES.ok);
    assert.deepEqual([summary.published, summary.alreadyPublished, summary.failed], [2, 1, 0]);
    assert.deepEqual(
      batches.map((b) => b.length),
      [2],
    );
  });

  it("gives each warning a code: skips, the importer's, packEntry's not already given, and duplicate content", async () => {
    const importerWarning: Warning = { code: "image-missing", image: "gone.png", file: "/notes/n1.md", line: 1, message: 'image "gone.png" not found' };
    const items: ImportItem[] = [
      skippedSource("repository-document", "/notes/README.md", 1, "a repository document (README), not a note"),
      skippedSource("empty", "/notes/empty.md", 1, "the file is empty"),
      note(1, { note: { title: "Images", tags: [], body: "![a](gone.png) ![b](also-gone.png)\n" }, warnings: [importerWarning] }),
      note(2),
      { ...note(2), sourcePath: "/notes/copy.md" },
    ];
    const outcomes: PackOutcome[] = [];
    for await (const outcome of packNotes(fromList(items))) outcomes.push(outcome);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ["skipped", "skipped", "packed", "packed", "duplicate"],
    );
    const [routine, empty, images, , copy] = outcomes;
    assert.equal(routine.kind === "skipped" && routine.skip.warning, undefined, "a README is listed, not warned about");
    assert.deepEqual(empty.kind === "skipped" && empty.skip.warning, {
      code: "skipped-empty",
      file: "/notes/empty.md",
      line: 1,
      message: "skipped: the file is empty",
    });
    assert.deepEqual(
      images.kind === "packed" && images.warnings.map((w) => [w.code, w.image, w.file, w.line]),
      [
        ["image-missing", "gone.png", "/notes/n1.md", 1],
        ["image-missing", "also-gone.png", "/notes/n1.md", 1],
      ],
      "packEntry's 'not supplied' of an image the importer warned about is not said twice",
    );
    assert.deepEqual(copy.kind === "duplicate" && copy.warnings.map((w) => [w.code, w.sameAs, w.message]), [
      ["duplicate-content", "/notes/n2.md:1", "same content as /notes/n2.md:1; published once."],
    ]);

    const run = await parts("warnings", { dryRun: true });
    const { summary } = await runPipeline(fromList(items), run);
    assert.deepEqual([summary.found, summary.skipped, summary.warnings, summary.alreadyPublished], [3, 2, 4, 1]);
    assert.deepEqual(run.logs, [
      "skipped: /notes/README.md:1: a repository document (README), not a note",
      "warning: /notes/empty.md:1: skipped: the file is empty",
      'warning: /notes/n1.md:1: image "gone.png" not found',
      'warning: /notes/n1.md:1: Image "also-gone.png" is referenced but was not supplied; the link is kept as written.',
      "warning: /notes/copy.md:1: same content as /notes/n2.md:1; published once.",
    ]);
  });

  it("a dry run says new / unchanged per entry, and once the registry stops answering, (not checked) without `new` in the summary", async () => {
    const { chain, tokens } = fakeRegistry();
    const lines: string[] = [];
    const first = await runPipeline(fromList([note(300)]), await parts("dry", { chain, ipfs: fakeIpfs().ipfs, dryRun: false }));
    assert.equal(first.summary.published, 1);
    assert.equal(tokens.size, 1);
    let calls = 0;
    const flaky: PublishingChain = {
      ...chain,
      tokensOf: async (digests) => (++calls === 1 ? chain.tokensOf(digests) : Promise.reject(new Error("connect ECONNREFUSED"))),
    };
    const run = await parts("dry", { chain: flaky, dryRun: true, print: (line) => void lines.push(line) });
    const { summary } = await runPipeline(fromList([note(300), note(301), note(302), note(303)]), run);
    assert.deepEqual(
      lines.map((line) => line.split("\t").at(-1)),
      ["unchanged", "new", "(not checked)", "(not checked)"],
    );
    for (const line of lines) assert.match(line, /^\S+\t2024-03-01\ttest\tNote 30\d\t/);
    assert.equal(summary.new, undefined);
    assert.equal(run.logs.filter((l) => l.startsWith("chain not reachable: connect ECONNREFUSED")).length, 1);
    assert.equal(tokens.size, 1, "a dry run mints nothing");
  });

  it("an edited note revises its token (packed again naming the latest version as previous); unchanged notes are left alone; a dry run says revised", async () => {
    const { chain, batches, revisions } = fakeRegistry();
    const { ipfs, pinned } = fakeIpfs();
    const first = await runPipeline(fromList([note(600), note(601)]), await parts("revise", { chain, ipfs }));
    assert.deepEqual([first.summary.published, first.summary.revised], [2, 0]);
    const edited = (n: number, body: string) => note(n, { note: { ...note(n).note, body } });

    const lines: string[] = [];
    const dry = await runPipeline(
      fromList([edited(600, "Body of note 600, fixed.\n"), note(601)]),
      await parts("revise", { chain, dryRun: true, print: (line) => void lines.push(line) }),
    );
    assert.deepEqual(
      lines.map((line) => line.split("\t").at(-1)),
      ["revised", "unchanged"],
    );
    assert.deepEqual([dry.summary.revised, dry.summary.alreadyPublished, dry.summary.new], [1, 1, 0]);
    assert.equal(revisions.length, 0, "a dry run revises nothing");

    const second = await runPipeline(fromList([edited(600, "Body of note 600, fixed.\n"), note(601)]), await parts("revise", { chain, ipfs }));
    assert.deepEqual([second.summary.published, second.summary.revised, second.summary.alreadyPublished], [0, 1, 1]);
    assert.equal(batches.length, 1, "no second token");
    assert.equal(revisions.length, 1);
    assert.equal(new Set(pinned).size, 3, "the revision is pinned under its own CID");
    const journal = await Journal.open(path.join(home, "revise"));
    assert.deepEqual(
      journal.records.filter((r) => r.event === "revised").map((r) => (r as { revision: number }).revision),
      [1],
    );

    // Run again: the revision is the latest version now (packed naming the first as previous): unchanged.
    const third = await runPipeline(fromList([edited(600, "Body of note 600, fixed.\n"), note(601)]), await parts("revise", { chain, ipfs }));
    assert.deepEqual([third.summary.published, third.summary.revised, third.summary.alreadyPublished], [0, 0, 2]);
    // Back to the first text: a new revision (history only grows).
    const fourth = await runPipeline(fromList([note(600)]), await parts("revise", { chain, ipfs }));
    assert.deepEqual([fourth.summary.published, fourth.summary.revised], [0, 1]);
    assert.equal(revisions.length, 2);
  });

  it("two notes of one import with one identity: the later is published without a note key (with a warning), so re-imports never make them revise each other", async () => {
    const { chain, batches, revisions } = fakeRegistry();
    const { ipfs } = fakeIpfs();
    const twins = () => [note(700, { note: { ...note(700).note, id: "twin" } }), note(701, { note: { ...note(701).note, id: "twin" } })];
    const run = await parts("twins", { chain, ipfs });
    const first = await runPipeline(fromList(twins()), run);
    assert.deepEqual([first.summary.published, first.summary.warnings], [2, 1]);
    assert.ok(
      run.logs.some((l) => l.startsWith("warning: /notes/n701.md:1: same note identity as /notes/n700.md:1")),
      run.logs.join("\n"),
    );
    for (let i = 0; i < 2; i++) {
      const again = await runPipeline(fromList(twins()), await parts("twins", { chain, ipfs }));
      assert.deepEqual([again.summary.published, again.summary.revised, again.summary.alreadyPublished], [0, 0, 2]);
    }
    assert.equal(revisions.length, 0);
    assert.equal(batches.flat().length, 2);
  });

  it("pins the next chunk while the one before it is being minted", async () => {
    const timeline: string[] = [];
    const { chain } = fakeRegistry(timeline, 40);
    const { ipfs } = fakeIpfs({ timeline });
    await runPipeline(fromList(Array.from({ length: 6 }, (_, i) => note(400 + i))), await parts("overlap", { chain, ipfs }));
    assert.ok(timeline.indexOf("pin 2") < timeline.indexOf("mint 1 mined"), timeline.join(", "));
    assert.ok(timeline.indexOf("pin 3") < timeline.indexOf("mint 2 mined"), timeline.join(", "));
    assert.ok(timeline.indexOf("mint 1 mined") < timeline.indexOf("mint 2 sent"), "mints are sent one at a time, in order");
  });
});
