/**
 * Registry v2 from the terminal, against the local stack: an edited note re-imported revises its
 * token (`revised: 1`, no second token), `--dry-run` says revised / unchanged, `til history` lists
 * every version verified, `til revise` adds one, `til ls` and `til show` present the latest version,
 * and a copy of the author's CID published by another account is labelled a copy by `til show` and
 * `til verify`.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Wallet } from "ethers";
import { cidToDigest } from "#core/cid.ts";
import { HARDHAT_DEV_ACCOUNTS } from "#core/contract/local-chain.ts";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";
import { runTil, startStack, type Stack } from "../support/local-stack.ts";
import { metadataSchemaErrors } from "../support/metadata-schemas.ts";

/** Hardhat's second development account (a published test key, chain 31337 only): the copier. */
const COPIER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

const note = (title: string, body: string) => `---\ntitle: "${title}"\ndate: 2024-05-01\ntags: [rust]\n---\n\n${body}\n`;

describe("til revisions against the local stack", () => {
  let work: string;
  let folder: string;
  let stack: Stack;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-revisions-test-"));
    folder = path.join(work, "notes");
    await mkdir(path.join(folder, "rust"), { recursive: true });
    await writeFile(path.join(folder, "rust/closures.md"), note("Closures capture", "Closures capture their environment by referense."));
    await writeFile(path.join(folder, "rust/traits.md"), note("Traits", "Traits are interfaces with default methods."));
    stack = await startStack(path.join(work, "home"));
  });

  after(async () => {
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** The one JSON line per entry of `til ls --json`, by title. */
  async function listing(): Promise<Map<string, { tokenId: string; cid: string; versions: number; author: string }>> {
    const ls = await runTil(["ls", "--json"], stack.env);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = ls.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { title: string; tokenId: string; cid: string; versions: number; author: string });
    return new Map(rows.map((r) => [r.title, r]));
  }

  it("re-importing an edited note revises its token: revised 1, no second token; history shows 2 versions, verified", async () => {
    const first = await runTil(["import", folder], stack.env);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual([first.summary().published, first.summary().revised], [2, 0]);
    const before = await listing();
    const closures = before.get("Closures capture")!;
    assert.equal(closures.versions, 1);

    await writeFile(path.join(folder, "rust/closures.md"), note("Closures capture", "Closures capture their environment by reference."));
    const dry = await runTil(["import", folder, "--dry-run"], stack.env);
    assert.equal(dry.code, 0, dry.stderr);
    const status = new Map(
      dry.stdout
        .trim()
        .split("\n")
        .slice(0, -1)
        .map((line) => [line.split("\t")[3], line.split("\t").at(-1)]),
    );
    assert.deepEqual(Object.fromEntries(status), { "Closures capture": "revised", Traits: "unchanged" });
    assert.deepEqual([dry.summary().revised, dry.summary().alreadyPublished, dry.summary().new], [1, 1, 0]);

    const again = await runTil(["import", folder], stack.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.summary().published, again.summary().revised, again.summary().alreadyPublished], [0, 1, 1]);

    const after = await listing();
    assert.equal(after.size, 2, "no second token for the edited note");
    const revised = after.get("Closures capture")!;
    assert.equal(revised.tokenId, closures.tokenId);
    assert.equal(revised.versions, 2);
    assert.notEqual(revised.cid, closures.cid, "ls shows the latest version");
    const dryCid = dry.stdout
      .split("\n")
      .find((line) => line.split("\t")[3] === "Closures capture")
      ?.split("\t")[0];
    assert.equal(dryCid, revised.cid, "the dry run shows the CID the revision is published under");

    const history = await runTil(["history", closures.tokenId, "--json"], stack.env);
    assert.equal(history.code, 0, history.stderr + history.stdout);
    const { versions } = history.summary() as { versions: Array<{ revision: number; cid: string; verified: boolean; date: string; block?: string }> };
    assert.deepEqual(
      versions.map((v) => [v.revision, v.cid, v.verified]),
      [
        [0, closures.cid, true],
        [1, revised.cid, true],
      ],
    );
    assert.ok(versions.every((v) => /^\d{4}-\d{2}-\d{2}T/.test(v.date)));
    assert.ok(Number(versions[1].block) > Number(versions[0].block), "each version's block, the publish's too");

    const third = await runTil(["import", folder], stack.env);
    assert.deepEqual(
      [third.summary().published, third.summary().revised, third.summary().alreadyPublished],
      [0, 0, 2],
      "the same folder again changes nothing",
    );
  });

  it("til revise publishes a file as the next version; show presents the latest and names older versions", async () => {
    const closures = (await listing()).get("Closures capture")!;
    const file = path.join(work, "closures-v3.md");
    await writeFile(file, note("Closures capture", "Closures capture their environment by reference, or by move."));
    const revise = await runTil(["revise", closures.tokenId, file], stack.env);
    assert.equal(revise.code, 0, revise.stderr);
    const result = revise.summary() as { revision: number; cid: string; previous: string };
    assert.deepEqual([result.revision, result.previous], [2, closures.cid]);

    const show = await runTil(["show", closures.tokenId], stack.env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /version {3}3 of 3 \(latest\)/);
    assert.match(show.stdout, new RegExp(`cid {7}${result.cid}`));
    assert.match(show.stdout, /or by move/);
    const old = await runTil(["show", closures.cid], stack.env);
    assert.equal(old.code, 0, old.stderr);
    assert.match(old.stdout, new RegExp(`version {3}2 of 3 \\(the latest is ${result.cid}\\)`));

    const history = await runTil(["history", closures.tokenId], stack.env);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /3 versions/);
    assert.equal((history.stdout.match(/ verified$/gm) ?? []).length, 3);

    const unchanged = await runTil(["revise", closures.tokenId, file], stack.env);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.equal(unchanged.summary().unchanged, true);
  });

  it("only the author revises: another account's key is refused before anything is sent", async () => {
    const traits = (await listing()).get("Traits")!;
    const file = path.join(work, "traits-hijack.md");
    await writeFile(file, note("Traits", "Hijacked."));
    const run = await runTil(["revise", traits.tokenId, file], { ...stack.env, TIL_AUTHOR_KEY: COPIER_KEY });
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /Only the author of token/);
  });

  it("the stack's registry answers contractURI with the collection metadata linking the app it serves", async () => {
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
    const provider = providerFor(stack.rpcUrl, 31337);
    try {
      const uri = (await registryAt(deployment.address, provider).getFunction("contractURI")()) as string;
      const prefix = "data:application/json;utf8,";
      assert.ok(uri.startsWith(prefix), uri);
      const metadata = JSON.parse(decodeURIComponent(uri.slice(prefix.length)));
      assert.equal(metadata.name, "Today I Learned");
      assert.equal(metadata.external_link, stack.appUrl);
      assert.deepEqual(metadataSchemaErrors("contract", metadata), [], "ERC-7572 contract-level metadata");
    } finally {
      provider.destroy();
    }
  });

  it("a restart of the stack (a fresh registry) restores each entry under the same token id with all its versions", async () => {
    const before = await listing();
    const home = stack.home;
    await stack.stop();
    stack = await startStack(home, { ports: stack.ports });
    assert.match(stack.output(), /Restored 2 entries \(and 2 revisions\)/);
    const after = await listing();
    assert.deepEqual([...after.entries()], [...before.entries()]);
    const history = await runTil(["history", before.get("Closures capture")!.tokenId, "--json"], stack.env);
    assert.equal(history.code, 0, history.stderr);
    const versions = (history.summary() as { versions: Array<{ verified: boolean }> }).versions;
    assert.deepEqual(
      versions.map((v) => v.verified),
      [true, true, true],
    );
  });

  it("til site builds each entry from its latest version", async () => {
    const closures = (await listing()).get("Closures capture")!;
    const out = path.join(work, "site");
    const site = await runTil(["site", out], stack.env);
    assert.equal(site.code, 0, site.stderr);
    const page = await readFile(path.join(out, "entries", closures.tokenId, "index.html"), "utf8");
    assert.match(page, /or by move/);
    assert.ok(page.includes(closures.cid), "the page names the latest version's CID");
  });

  it("a copy of the author's CID by another account: show picks the author's token and labels the copy; verify lists it", async () => {
    const traits = (await listing()).get("Traits")!;
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
    const provider = providerFor(stack.rpcUrl, 31337);
    try {
      const copier = new Wallet(COPIER_KEY, provider);
      assert.equal(copier.address, HARDHAT_DEV_ACCOUNTS[1]);
      await (await registryAt(deployment.address, copier).getFunction("publish")(cidToDigest(traits.cid), `0x${"0".repeat(64)}`)).wait();
    } finally {
      provider.destroy();
    }
    const show = await runTil(["show", traits.cid], stack.env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`token {5}${traits.tokenId} `));
    assert.match(show.stdout, new RegExp(`copy {6}token \\d+ by ${HARDHAT_DEV_ACCOUNTS[1]} holds this CID too \\(a copy\\)`));

    const verify = await runTil(["verify"], stack.env);
    assert.equal(verify.code, 0, verify.stderr);
    const summary = verify.summary() as { tokens: number; versions: number; failed: number; copies: Array<{ author: string; namedAuthor: string }> };
    assert.deepEqual([summary.tokens, summary.versions, summary.failed], [3, 5, 0]);
    assert.deepEqual(
      summary.copies.map((c) => [c.author, c.namedAuthor]),
      [[HARDHAT_DEV_ACCOUNTS[1], HARDHAT_DEV_ACCOUNTS[0].toLowerCase()]],
    );
  });
});
