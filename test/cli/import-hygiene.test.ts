/**
 * Imports never publish junk and never lose a note silently, from the terminal against the local
 * stack: a TIL repository with the quirks of real ones (root README index, CONTRIBUTING, a .github
 * template, empty, binary, Latin-1 and untitled notes, `.env` and HTML-as-PNG images, an SVG with
 * onload), remote images served by a local HTTP server (a real PNG, redirects, a loop, a 404, HTML
 * pretending to be image/png, a server too slow, a body far over the limit), and dry runs that ask
 * the chain what is new. No request leaves 127.0.0.1.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { MAX_ENTRY_BYTES } from "#core/entry/limits.ts";
import { listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { runTil, startStack, type CliRun, type Stack } from "../support/local-stack.ts";
import { makeQuirksRepo, tinyPng } from "../support/quirks.ts";

const CID_LINE = /^(bafybei[a-z2-7]{52})\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$/;

/** Dry-run lines by title: CID and status (new / revised / unchanged / already published / (not checked)). */
function dryRunLines(run: CliRun): Map<string, { cid: string; status: string }> {
  const lines = run.stdout.trim().split("\n").slice(0, -1);
  const out = new Map<string, { cid: string; status: string }>();
  for (const line of lines) {
    const match = CID_LINE.exec(line);
    assert.ok(match, `a dry-run line is CID, date, tags, title, status: ${JSON.stringify(line)}`);
    out.set(match[4], { cid: match[1], status: match[5] });
  }
  return out;
}

describe("til import hygiene against the local stack", () => {
  let work: string;
  let stack: Stack;
  let repo: string;
  let server: http.Server;
  let base: string;
  const requests: string[] = [];
  let hugeSent = 0;
  let hugeClosedEarly = false;

  // Published entries are read back through the stack's gateway, every block verified against its CID.
  const entryBytes = (cid: string, file: string) => readEntryFile(new VerifiedGatewayBlockstore([stack.gatewayUrl]), cid, file);
  const gatewayText = async (cid: string, file: string) => new TextDecoder().decode(await entryBytes(cid, file));
  /** The images/ files of the entry directory, checked against the paths metadata.json lists. */
  async function packedImages(cid: string): Promise<string[]> {
    const listed = (await listEntryFiles(new VerifiedGatewayBlockstore([stack.gatewayUrl]), cid)).filter((file) => file.startsWith("images/"));
    const metadata = JSON.parse(await gatewayText(cid, "metadata.json")) as { properties: { files: { images: string[] } } };
    assert.deepEqual(metadata.properties.files.images, listed);
    return listed;
  }

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-hygiene-cli-"));
    repo = await makeQuirksRepo(path.join(work, "repo"));
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      if (req.url === "/ok.png" || req.url === "/raw.png") res.writeHead(200, { "content-type": "image/png" }).end(tinyPng(req.url.length));
      else if (req.url === "/hop") res.writeHead(301, { location: "/ok.png" }).end();
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else if (req.url === "/page.png") res.writeHead(200, { "content-type": "image/png" }).end("<!doctype html><p>a login page</p><script>steal()</script>");
      else if (req.url === "/slow.png") setTimeout(() => res.writeHead(200, { "content-type": "image/png" }).end(tinyPng()), 60_000).unref();
      else if (req.url === "/huge.png") {
        // A real PNG start, then far more bytes than an entry may hold, as fast as the client reads.
        res.writeHead(200, { "content-type": "image/png" });
        res.write(tinyPng());
        const chunk = Buffer.alloc(256 * 1024, 7);
        res.once("close", () => (hugeClosedEarly = hugeSent < 1024 * 1024 * 1024));
        const pump = () => {
          while (hugeSent < 1024 * 1024 * 1024 && !res.destroyed) {
            hugeSent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
      } else res.writeHead(404, { "content-type": "text/plain" }).end("no such picture");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stack = await startStack(path.join(work, "home"));
  });

  after(async () => {
    await stack?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await rm(work, { recursive: true, force: true });
  });

  it("a dry run lists each entry as new and every skipped file as file:line with its reason, and writes nothing", async () => {
    const run = await runTil(["import", repo, "--dry-run"], stack.env);
    assert.equal(run.code, 0, run.stderr);
    const summary = run.summary();
    assert.deepEqual([summary.found, summary.new, summary.alreadyPublished, summary.skipped, summary.published], [6, 6, 0, 8, 0]);
    const lines = dryRunLines(run);
    assert.equal(lines.size, 6);
    for (const { status } of lines.values()) assert.equal(status, "new");
    assert.doesNotMatch(run.stderr, /chain not reachable/);
    for (const file of ["README.md", "CONTRIBUTING.md", "CODE_OF_CONDUCT.md", ".github/ISSUE_TEMPLATE.md"]) {
      assert.ok(run.stderr.includes(`skipped: ${path.join(repo, file)}:1: `), `${file} listed as skipped:\n${run.stderr}`);
    }
    assert.ok(!run.stdout.includes("Contributing") && !run.stdout.includes("Things I picked up"), "repository documents are not entries");
    const warned = (file: string, text: string) =>
      assert.ok(run.stderr.includes(`warning: ${path.join(repo, file)}:1: ${text}`), `${file}: ${text}\n${run.stderr}`);
    warned("git/empty-note.md", "skipped: the file is empty");
    warned("css/binary.md", "skipped: a binary file");
    warned("css/latin1.md", "skipped: not valid UTF-8: byte 5 (0xe9) on line 1");
    warned("shell/musings.md", "skipped: no title");
    warned("shell/secrets.md", 'image ".env" is a hidden file');
    warned("shell/fake-chart.md", 'image "chart.png" refused: not a PNG');
    warned("shell/logo-with-handler.md", 'image "logo.svg" refused: an SVG with an event handler attribute (onload)');
    assert.ok(!run.stdout.includes("musings"), "no entry is named after its file");

    // Every flag a message suggests exists.
    const help = await runTil(["import", "--help"], stack.env);
    for (const [flag] of run.stderr.matchAll(/--[a-z][a-z-]+/g)) assert.ok(help.stdout.includes(`${flag} `), `${flag} is suggested but does not exist`);

    const journal = await readFile(path.join(stack.home, "journal.ndjson"), "utf8").catch(() => "");
    assert.ok(!journal.includes(repo), "a dry run records nothing in the journal");
  });

  it("publishes only real images: the PNG and the GIF of an <img> tag are in the entry, the .env, HTML and SVG with onload never are; a second dry run says unchanged", async () => {
    const dry = dryRunLines(await runTil(["import", repo, "--dry-run"], stack.env));
    const run = await runTil(["import", repo], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([run.summary().published, run.summary().skipped], [6, 8]);

    const git = dry.get("Undo the last commit but keep its changes")!.cid;
    assert.deepEqual(await packedImages(git), ["images/branch.png", "images/spinner.gif"]);
    const markdown = await gatewayText(git, "index.md");
    assert.match(markdown, /!\[where the branch points\]\(images\/branch\.png\)/);
    assert.match(
      markdown,
      /<img src="images\/spinner\.gif" alt="a tiny animation" width="16">/,
      "the raw <img> tag is packed and linked locally, its width kept",
    );
    assert.deepEqual(await entryBytes(git, "images/branch.png"), tinyPng());
    assert.deepEqual(await packedImages(dry.get("Flexbox has gap too")!.cid), ["images/arrow.svg"], "a safe SVG is packed");

    for (const title of ["Loading variables from a file", "A chart that is really a web page", "An SVG logo with an event handler"]) {
      const cid = dry.get(title)!.cid;
      assert.deepEqual(await packedImages(cid), [], `${title}: the entry directory holds no images/ file at all`);
      assert.doesNotMatch(await gatewayText(cid, "index.md"), /made-up-value-for-tests/);
    }

    const again = await runTil(["import", repo, "--dry-run"], stack.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.summary().alreadyPublished, again.summary().new], [6, 0]);
    for (const { status } of dryRunLines(again).values()) assert.equal(status, "unchanged");
  });

  it("--include brings back a repository document and --lossy a Latin-1 note (with U+FFFD and a warning)", async () => {
    const run = await runTil(["import", repo, "--dry-run", "--include", "CONTRIBUTING.md", "--include", ".github/**", "--lossy"], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([run.summary().found, run.summary().skipped], [9, 5]);
    const lines = dryRunLines(run);
    assert.equal(lines.get("Contributing")?.status, "new");
    assert.equal(lines.get("Which note?")?.status, "new");
    assert.equal(lines.get("Caf\uFFFD cr\uFFFDme")?.status, "new");
    assert.ok(
      run.stderr.includes(`warning: ${path.join(repo, "css/latin1.md")}:1: invalid UTF-8 from byte 5 (0xe9) on line 1; published with U+FFFD`),
      run.stderr,
    );
  });

  it("file mode: a front-matter note without # H1 is the entry a folder import makes; empty, binary, Latin-1 and untitled files are skipped with a warning", async () => {
    const note = path.join(repo, "shell/front-matter-only.md");
    const single = path.join(work, "single");
    await mkdir(single, { recursive: true });
    // The same file name: a note's identity (its path inside the imported folder) is part of its entry.
    await writeFile(path.join(single, "front-matter-only.md"), await readFile(note));
    const fromFile = await runTil(["import", note, "--dry-run"], stack.env);
    const fromFolder = await runTil(["import", single, "--dry-run"], stack.env);
    const fromPublish = await runTil(["publish", note, "--dry-run"], stack.env);
    assert.equal(fromFile.summary().found, 1, fromFile.stderr);
    const cid = (run: CliRun) => dryRunLines(run).get("Here-strings feed one line to a command")?.cid;
    assert.ok(cid(fromFile));
    assert.equal(cid(fromFile), cid(fromFolder));
    assert.equal(cid(fromFile), cid(fromPublish));

    const junk = ["git/empty-note.md", "css/binary.md", "css/latin1.md", "shell/musings.md"].map((file) => path.join(repo, file));
    const published = await runTil(["publish", ...junk, "--dry-run"], stack.env);
    assert.equal(published.code, 0, published.stderr);
    assert.deepEqual([published.summary().found, published.summary().skipped, published.summary().warnings], [0, 4, 4]);
    for (const file of junk) assert.ok(published.stderr.includes(`warning: ${file}:1: skipped: `), `${file}\n${published.stderr}`);
    for (const file of junk) {
      const imported = await runTil(["import", file, "--dry-run"], stack.env);
      assert.deepEqual([imported.code, imported.summary().found, imported.summary().skipped], [0, 0, 1], imported.stderr);
      assert.ok(imported.stderr.includes(`warning: ${file}:1: skipped: `), imported.stderr);
    }
  });

  it("fetches remote images with bounds: packs real ones (markdown and <img>) locally, keeps failed links remote with a warning each, aborts a huge body", async () => {
    const folder = path.join(work, "remote");
    await mkdir(folder, { recursive: true });
    const note = path.join(folder, "remote-pictures.md");
    await writeFile(
      note,
      [
        "# Pictures from elsewhere",
        "",
        `![ok](${base}/ok.png)`,
        `![hop](${base}/hop)`,
        `<img src="${base}/raw.png" alt="raw tag" width="40">`,
        `![loop](${base}/loop)`,
        `![gone](${base}/missing.png)`,
        `![fake](${base}/page.png)`,
        `![slow](${base}/slow.png)`,
        `![huge](${base}/huge.png)`,
        "",
      ].join("\n"),
    );
    const started = performance.now();
    const run = await runTil(["import", folder, "--image-timeout", "2"], stack.env);
    const elapsed = performance.now() - started;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.summary().published, 1);
    assert.ok(elapsed < 45_000, `the import took ${Math.round(elapsed)} ms: the slow server (60 s) must not hold it`);
    assert.ok(hugeClosedEarly, "the CLI hung up on the huge body");
    assert.ok(hugeSent < 4 * MAX_ENTRY_BYTES, `the server sent ${hugeSent} bytes before the CLI stopped reading (limit ${MAX_ENTRY_BYTES})`);

    const where = `warning: ${note}:1: remote image "${base}`;
    for (const [url, reason] of [
      ["/loop", "more than 5 redirects"],
      ["/missing.png", "the server answered HTTP 404"],
      ["/page.png", "it is not a PNG, JPEG, GIF, WebP, AVIF or SVG image"],
      ["/slow.png", "no answer within 2 s"],
    ]) {
      assert.ok(run.stderr.includes(`${where}${url}" not packed: ${reason}`), `${url}: ${reason}\n${run.stderr}`);
    }
    // The cap is the entry limit less what the note's other images already take.
    const cap = Number(run.stderr.split(`${where}/huge.png" not packed: it is more than `)[1]?.split(" bytes")[0]);
    assert.ok(cap <= MAX_ENTRY_BYTES && cap > MAX_ENTRY_BYTES - 1024, `huge.png: the cap was ${cap}\n${run.stderr}`);

    const entries = JSON.parse(`[${(await readFile(path.join(stack.home, "journal.ndjson"), "utf8")).trim().split("\n").join(",")}]`) as Array<{
      event: string;
      cid?: string;
      source?: string;
    }>;
    const cid = entries.find((entry) => entry.event === "packed" && entry.source?.startsWith(note))!.cid!;
    assert.deepEqual(await packedImages(cid), ["images/hop.png", "images/ok.png", "images/raw.png"]);
    const markdown = await gatewayText(cid, "index.md");
    assert.match(markdown, /!\[ok\]\(images\/ok\.png\)/);
    assert.match(markdown, /!\[hop\]\(images\/hop\.png\)/);
    assert.match(markdown, /<img src="images\/raw\.png" alt="raw tag" width="40">/);
    for (const kept of ["loop", "missing.png", "page.png", "slow.png", "huge.png"])
      assert.ok(markdown.includes(`](${base}/${kept})`), `${kept} keeps its remote link`);
    assert.deepEqual(await entryBytes(cid, "images/ok.png"), tinyPng("/ok.png".length));

    const before = requests.length;
    const kept = await runTil(["import", folder, "--dry-run", "--keep-remote-images"], stack.env);
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(requests.length, before, "--keep-remote-images fetches nothing");
    const [line] = dryRunLines(kept).values();
    assert.notEqual(line.cid, cid);
    assert.equal(line.status, "revised", "other bytes of the same note (its path is its identity): a revision of its entry");
  });

  it("a dry run without a chain says so once, marks entries not checked, and exits 0", async () => {
    const run = await runTil(["import", repo, "--dry-run"], { ...stack.env, TIL_RPC_URL: "http://127.0.0.1:9" });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.match(/chain not reachable: /g)?.length, 1, run.stderr);
    assert.match(run.stderr, /entries are not checked/);
    for (const { status } of dryRunLines(run).values()) assert.equal(status, "(not checked)");
    assert.equal(run.summary().new, undefined);
  });
});
