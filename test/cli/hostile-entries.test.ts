/**
 * The CLI pointed at entries built to hurt, against the local stack started as `npm start` starts
 * it. A stranger (Hardhat's second development account) adds entry directories of their own making
 * through the node's Kubo RPC API and mints them: titles, tags, dates and bodies full of terminal
 * escape sequences, C1 controls, a bare CR, backspaces and bidi overrides, and a metadata.json that
 * is not JSON at all. `til ls`, `show`, `export` and the progress line must print none of it raw
 * and show a visible marker instead; `ls --json` must give back the exact original text. Then
 * gateways that lie or fail: `show` names them and `verify` counts them. Last, the progress line's
 * gas figure equals the summary's.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Wallet } from "ethers";
import { create as createKuboClient } from "kubo-rpc-client";
import { cidToDigest } from "#core/cid.ts";
import { ENTRY_ADD_OPTIONS } from "#core/entry/index.ts";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";
import { runTil, startStack, type Stack } from "../support/local-stack.ts";

/** Hardhat's second development account: someone other than the CLI's default author. */
const STRANGER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

const ESC = "\u001b";
const BEL = "\u0007";
const CLEAR_SCREEN = `${ESC}[2J${ESC}[H`;
const CLIPBOARD_WRITE = `${ESC}]52;c;cm0gLXJmIH4K${BEL}`;
const HYPERLINK = `${ESC}]8;;https://evil.example/${ESC}\\innocent link${ESC}]8;;${ESC}\\`;
const C1_CSI = "\u009b31m";
const C1_OSC = "\u009d0;pwned\u009c";
const RLO = "\u202e";

const HOSTILE_TITLE = `Harmless${CLEAR_SCREEN} title ${CLIPBOARD_WRITE}${HYPERLINK} ${C1_CSI}red${C1_OSC} safe\rOVERWRITTEN back\b\b\b\bspace ${RLO}exe.txt\nsecond line`;
const HOSTILE_TAGS = [`tag${ESC}[31m`, `bidi${RLO}gat`, "plain"];
const HOSTILE_DATE = `2024-01-02${ESC}[2J`;
const HOSTILE_BODY = `Body starts.${CLEAR_SCREEN}\n\n${CLIPBOARD_WRITE} ${HYPERLINK}\n${C1_CSI}red text\nline that was\roverwritten\nback\b\b\b\bspace\n${RLO}reversed\n\tindented\n`;

/** What a terminal would act on: C0 (newline and tab aside), DEL, C1, bidi controls, U+2028/9. */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

function assertTerminalSafe(output: string, what: string): void {
  const found = UNSAFE.exec(output);
  assert.equal(
    found,
    null,
    `${what} printed U+${found?.[0].charCodeAt(0).toString(16).padStart(4, "0")} raw at ${found?.index}: ${JSON.stringify(output.slice(Math.max(0, (found?.index ?? 0) - 40), (found?.index ?? 0) + 40))}`,
  );
}

/** The markers the CLI shows in place of what the hostile entry holds. */
const MARKERS = [
  "<U+001B>[2J",
  "<U+001B>]52;c;",
  "<U+001B>]8;;https://evil.example/",
  "<U+009B>31m",
  "<U+009D>0;pwned<U+009C>",
  "safe<U+000D>OVERWRITTEN",
  "<U+0008><U+0008>",
  "<U+202E>exe.txt",
];

interface Hostile {
  cid: string;
  sequence: number;
}

describe("til against hostile entries and gateways", () => {
  let work: string;
  let stack: Stack;
  let liar: http.Server;
  let failing: http.Server;
  let gateways: string;
  const requests = { liar: 0, failing: 0 };
  let hostile: Hostile;
  let broken: Hostile;

  /** Adds files as one entry directory through the node's Kubo RPC API, mints it as the stranger, returns its CID and number. */
  async function mintEntry(files: Record<string, string>): Promise<Hostile> {
    const ipfs = createKuboClient({ url: stack.apiUrl });
    let root: string | undefined;
    const encoder = new TextEncoder();
    for await (const added of ipfs.addAll(
      Object.entries(files).map(([name, text]) => ({ path: name, content: encoder.encode(text) })),
      { ...ENTRY_ADD_OPTIONS, wrapWithDirectory: true },
    )) {
      if (added.path === "") root = added.cid.toString();
    }
    assert.ok(root, "the node reports the wrapping directory");
    const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
    const provider = providerFor(stack.rpcUrl, 31337);
    try {
      const registry = registryAt(deployment.address, new Wallet(STRANGER_KEY, provider));
      await (await registry.getFunction("publish")(cidToDigest(root), `0x${"0".repeat(64)}`)).wait();
      return { cid: root, sequence: Number(await registry.getFunction("totalEntries")()) };
    } finally {
      provider.destroy();
    }
  }

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-hostile-test-"));
    stack = await startStack(path.join(work, "home"));
    // One ordinary entry first, so the hostile ones are not #1.
    await writeFile(path.join(work, "ordinary.md"), "---\ntitle: An ordinary note\ndate: 2024-01-01\n---\nNothing to see.\n");
    const ordinary = await runTil(["publish", path.join(work, "ordinary.md")], stack.env);
    assert.equal(ordinary.code, 0, ordinary.stderr);

    const metadata = {
      name: HOSTILE_TITLE,
      description: HOSTILE_BODY,
      image: "card.svg",
      attributes: [],
      properties: {
        format: "til-entry/1",
        title: HOSTILE_TITLE,
        date: HOSTILE_DATE,
        tags: HOSTILE_TAGS,
        files: { markdown: "index.md", html: "index.html", card: "card.svg", images: [] },
        markdown: "",
      },
    };
    // The front matter is valid YAML (escapes), so `til export` can parse the note; the body is raw.
    const markdown = `---\ntitle: ${JSON.stringify(HOSTILE_TITLE.replace(/\n/g, " "))}\ndate: 2024-01-02\ntags: [plain]\n---\n${HOSTILE_BODY}`;
    hostile = await mintEntry({ "metadata.json": JSON.stringify(metadata), "index.md": markdown });
    // metadata.json that is no JSON (its parse error quotes it), a date the note parser refuses.
    broken = await mintEntry({ "metadata.json": `{"properties": ${CLEAR_SCREEN}${RLO}`, "index.md": `---\ntitle: Broken\ndate: "2024${ESC}[2J"\n---\nx\n` });

    liar = http.createServer((_req, res) => {
      requests.liar += 1;
      res.writeHead(200, { "content-type": "application/vnd.ipld.raw" }).end("these are not the bytes you asked for");
    });
    failing = http.createServer((_req, res) => {
      requests.failing += 1;
      res.writeHead(500).end("internal error");
    });
    for (const server of [liar, failing]) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gateways = [url(liar), url(failing), stack.gatewayUrl].join(",");
  });

  after(async () => {
    for (const server of [liar, failing]) server?.close();
    await stack?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("til ls keeps each title on one line and shows every control and bidi override as a marker", async () => {
    const run = await runTil(["ls"], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assertTerminalSafe(run.stdout + run.stderr, "til ls");
    const row = run.stdout.split("\n").find((line) => line.startsWith(`#${hostile.sequence} `));
    assert.ok(row, `a row for #${hostile.sequence}:\n${run.stdout}`);
    for (const marker of MARKERS) assert.ok(row.includes(marker), `the row shows ${marker}: ${row}`);
    assert.ok(row.includes("<U+000A>second line"), "the newline in the title is shown, the title stays on one line");
    assert.ok(row.includes("2024-01-02<U+001B>[2J"), "the date is shown with its marker");
    assert.ok(row.includes("[tag<U+001B>[31m, bidi<U+202E>gat, plain]"), "tags are shown with their markers");
    const brokenRow = run.stdout.split("\n").find((line) => line.startsWith(`#${broken.sequence} `));
    assert.match(brokenRow ?? "", /metadata unavailable: .*<U\+001B>\[2J/, "the parse error quoting the metadata is shown with markers");
  });

  it("til ls --json gives back the exact original title, tags and date, printed terminal-safe", async () => {
    const run = await runTil(["ls", "--json"], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assertTerminalSafe(run.stdout, "til ls --json");
    const rows = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { cid: string; sequence: number; title: string; tags: string[]; date: string; problem?: string });
    const row = rows.find((r) => r.cid === hostile.cid)!;
    assert.equal(row.sequence, hostile.sequence);
    assert.equal(row.title, HOSTILE_TITLE);
    assert.deepEqual(row.tags, HOSTILE_TAGS);
    assert.equal(row.date, HOSTILE_DATE);
    assert.ok(rows.find((r) => r.cid === broken.cid)!.problem!.includes(CLEAR_SCREEN), "the problem is exact too");
  });

  for (const form of ["N", "#N"]) {
    it(`til show ${form} (the number ls prints) shows the body with newlines and tabs, every control made visible`, async () => {
      const run = await runTil(["show", form.replace("N", String(hostile.sequence))], stack.env);
      assert.equal(run.code, 0, run.stderr);
      assertTerminalSafe(run.stdout + run.stderr, `til show ${form}`);
      assert.match(run.stdout, new RegExp(`cid\\s+${hostile.cid}`));
      assert.match(run.stdout, new RegExp(`entry\\s+#${hostile.sequence},`));
      for (const marker of [
        "Body starts.<U+001B>[2J<U+001B>[H",
        "<U+001B>]52;c;cm0gLXJmIH4K<U+0007>",
        "<U+009B>31mred text",
        "line that was<U+000D>overwritten",
        "back<U+0008><U+0008><U+0008><U+0008>space",
        "<U+202E>reversed",
      ]) {
        assert.ok(run.stdout.includes(marker), `show prints ${marker}`);
      }
      assert.ok(run.stdout.includes("\n\tindented\n"), "newlines and tabs of the body stay");
    });
  }

  it("til show tells sequence numbers from token ids and refuses a number ls never printed", async () => {
    const ls = (await runTil(["ls", "--json"], stack.env)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { cid: string; tokenId: string });
    const tokenId = ls.find((r) => r.cid === hostile.cid)!.tokenId;
    for (const target of [tokenId, `0x${BigInt(tokenId).toString(16)}`, hostile.cid]) {
      const run = await runTil(["show", target], stack.env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`entry\\s+#${hostile.sequence},`), `${target} names #${hostile.sequence}`);
    }
    const missing = await runTil(["show", "#99"], stack.env);
    assert.equal(missing.code, 9);
    assert.match(missing.stderr, /There is no entry #99: .* holds 3 entries/);
    const hostileTarget = await runTil(["show", `bad${ESC}[2Jcid`], stack.env);
    assert.equal(hostileTarget.code, 2);
    assertTerminalSafe(hostileTarget.stderr, "the usage error quoting the target");
  });

  it("til export names files and failures without printing controls", async () => {
    const run = await runTil(["export", path.join(work, "export")], stack.env);
    assertTerminalSafe(run.stdout + run.stderr, "til export");
    assert.equal(run.summary().exported, 2, run.stderr);
    assert.equal(run.summary().failed, 1, "the note whose date is not a date fails");
    assert.match(run.stderr, new RegExp(`failed: ${broken.cid}: .*2024<U\\+001B>\\[2J`));
  });

  it("the progress line shows a note's title with markers", async () => {
    await writeFile(path.join(work, "hostile.md"), `---\ntitle: "Progress \\e[2J \\x9B31m \\u202Etitle"\n---\nbody\n`);
    const run = await runTil(["publish", path.join(work, "hostile.md")], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assertTerminalSafe(run.stderr, "the progress line");
    assert.match(run.stderr, /publishing: 1\/1 .*\(Progress <U\+001B>\[2J <U\+009B>31m <U\+202E>title\)/);
  });

  it("til show names the gateway that lied and the one that failed, and reads through the next", async () => {
    requests.liar = requests.failing = 0;
    const run = await runTil(["show", `#${hostile.sequence}`], { ...stack.env, TIL_GATEWAYS: gateways });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(requests.liar > 0 && requests.failing > 0, "both were asked");
    const [liarUrl, failingUrl] = gateways.split(",");
    assert.match(run.stdout, new RegExp(`served by ${stack.gatewayUrl.replace(/[.:/]/g, "\\$&")} \\(\\d+ blocks?\\)`));
    assert.match(
      run.stdout,
      new RegExp(`skipped\\s+${liarUrl.replace(/[.:/]/g, "\\$&")}: ${requests.liar} blocks? with bytes that did not match the CID \\(rejected\\)`),
    );
    assert.match(run.stdout, new RegExp(`skipped\\s+${failingUrl.replace(/[.:/]/g, "\\$&")}: ${requests.failing} failed requests? \\(HTTP 500\\)`));
  });

  it("til verify counts, per gateway, the blocks served, the failed requests and the answers that did not match", async () => {
    requests.liar = requests.failing = 0;
    const run = await runTil(["verify"], { ...stack.env, TIL_GATEWAYS: gateways });
    assert.equal(run.code, 0, run.stderr);
    const summary = run.summary() as {
      verified: number;
      tokens: number;
      gateways: Array<{ gateway: string; served: number; failed: number; mismatched: number }>;
    };
    assert.equal(summary.verified, summary.tokens);
    const [liarUrl, failingUrl] = gateways.split(",");
    const local = summary.gateways[2];
    assert.deepEqual(
      summary.gateways.map(({ gateway, failed, mismatched }) => ({ gateway, failed, mismatched })),
      [
        { gateway: liarUrl, failed: 0, mismatched: requests.liar },
        { gateway: failingUrl, failed: requests.failing, mismatched: 0 },
        { gateway: stack.gatewayUrl, failed: 0, mismatched: 0 },
      ],
    );
    assert.ok(requests.liar > 0 && requests.failing === requests.liar, "every block was asked of both, once");
    assert.equal(local.served, requests.liar, "the local gateway served every block the others could not");
    assert.equal(summary.gateways[0].served + summary.gateways[1].served, 0);
    assert.match(run.stderr, new RegExp(`gateway skipped: ${liarUrl.replace(/[.:/]/g, "\\$&")}: ${requests.liar} blocks with bytes that did not match`));
    assert.match(run.stderr, new RegExp(`gateway skipped: ${failingUrl.replace(/[.:/]/g, "\\$&")}: ${requests.failing} failed requests \\(HTTP 500\\)`));
  });

  it("the progress line's gas figure is the summary's gasUsed", async () => {
    const folder = path.join(work, "gas");
    await mkdir(folder, { recursive: true });
    const files: string[] = [];
    for (let i = 1; i <= 5; i++) {
      files.push(path.join(folder, `note-${i}.md`));
      await writeFile(files.at(-1)!, `---\ntitle: Gas note ${i}\ndate: 2024-02-0${i}\n---\nNote ${i}.\n`);
    }
    const run = await runTil(["publish", "--batch-size", "2", ...files], stack.env);
    assert.equal(run.code, 0, run.stderr);
    const gasUsed = BigInt(run.summary().gasUsed as string);
    assert.ok(gasUsed > 0n);
    const finalLines = run.stderr.split("\n").filter((line) => line.startsWith("publishing: 5/5"));
    assert.equal(finalLines.length, 1, run.stderr);
    const shown = /gas ([\d,]+)/.exec(finalLines[0])?.[1];
    assert.equal(shown?.replace(/,/g, ""), gasUsed.toString(), `progress: ${finalLines[0]}; summary gasUsed ${gasUsed}`);
  });

  it("a dry run of a cloned repository's hostile note prints its title and tags with markers, not escapes", async () => {
    const file = path.join(work, "cloned-hostile.md");
    await writeFile(file, '---\ntitle: "Clone \\e[2J\\e]52;c;aGk=\\a \\u202Eexe.txt"\ntags: ["a\\e[31mred"]\ndate: 2024-02-02\n---\nBody.\n');
    const run = await runTil(["import", file, "--dry-run"], { ...stack.env, TIL_RPC_URL: "http://127.0.0.1:9" });
    assert.equal(run.code, 0, run.stderr);
    assertTerminalSafe(run.stdout + run.stderr, "til import --dry-run");
    assert.match(run.stdout, /Clone <U\+001B>\[2J<U\+001B>\]52;c;aGk=<U\+0007> <U\+202E>exe\.txt/);
    assert.match(run.stdout, /a<U\+001B>\[31mred/);
  });
});
