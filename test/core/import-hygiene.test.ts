/**
 * Imports never publish junk and never lose a note silently: image sniffing and SVG refusal,
 * the skip rules of a folder import, UTF-8 checks with the byte offset, and a front-matter note
 * without `# H1` read the same way as a log file and in a folder.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkImage, nameForImageType, packEntry, renderMarkdown, rewriteImageDestinations, unsafeSvgConstruct, type Warning } from "#core/entry/index.ts";
import { importFolder, importNoteFile, isSkippedSource, type ImportedNote, type ImportItem } from "#core/import/folder.node.ts";
import { readLocalImages } from "#core/import/images.node.ts";
import { decodeNoteBytes, fetchImage, fetchRemoteImages, firstInvalidUtf8, matchesGlob, pathSkipReason } from "#core/import/index.ts";
import { importSource } from "#core/import/source.node.ts";
import { LATIN1_NOTE, makeQuirksRepo, TINY_GIF, tinyPng } from "../support/quirks.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const SAFE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="4" height="4"/><use href="#g"/></svg>';

async function collect(source: AsyncIterable<ImportItem>): Promise<{ notes: ImportedNote[]; skipped: Array<[string, string, number]> }> {
  const notes: ImportedNote[] = [];
  const skipped: Array<[string, string, number]> = [];
  for await (const item of source) {
    if (isSkippedSource(item)) skipped.push([item.sourcePath, item.skipped, item.sourceLine]);
    else notes.push(item);
  }
  return { notes, skipped };
}

describe("checkImage", () => {
  it("recognises PNG, JPEG, GIF, WebP and AVIF by their magic bytes", () => {
    const avif = new Uint8Array([0, 0, 0, 0x1c, ...bytes("ftypavif"), 0, 0, 0, 0, ...bytes("avifmif1miaf")]);
    const webp = new Uint8Array([...bytes("RIFF"), 0x24, 0, 0, 0, ...bytes("WEBPVP8 ")]);
    const cases: Array<[Uint8Array, string]> = [
      [tinyPng(), "png"],
      [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, ...bytes("JFIF")]), "jpeg"],
      [TINY_GIF, "gif"],
      [webp, "webp"],
      [avif, "avif"],
      [bytes(SAFE_SVG), "svg"],
    ];
    for (const [content, type] of cases) {
      const check = checkImage(content);
      assert.equal(check.ok && check.type, type);
    }
    const avifCheck = checkImage(avif);
    assert.equal(avifCheck.ok && avifCheck.mime, "image/avif");
  });

  it("refuses HTML renamed .png, a .env file, text, an MP4 and empty files", () => {
    assert.deepEqual(checkImage(new Uint8Array()), { ok: false, code: "empty", reason: "the file is empty" });
    const mp4 = new Uint8Array([0, 0, 0, 0x18, ...bytes("ftypisom"), 0, 0, 2, 0, ...bytes("isomiso2")]);
    for (const content of [
      bytes("<!doctype html><html><script>alert(1)</script></html>"),
      bytes("API_KEY=made-up\n"),
      bytes("just words"),
      mp4,
      bytes("<svg"),
      bytes("<html><svg></svg></html>"),
    ]) {
      const check = checkImage(content);
      assert.equal(check.ok, false);
      assert.equal(!check.ok && check.code, "not-an-image");
    }
  });

  it("accepts an SVG with local references only, with an XML declaration and comments", () => {
    assert.equal(checkImage(bytes(`<?xml version="1.0"?>\n<!-- a comment -->\n${SAFE_SVG}`)).ok, true);
    assert.equal(unsafeSvgConstruct('<svg><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'), undefined);
  });

  it("refuses every SVG that could run script or fetch something, naming the reason", () => {
    const unsafe: Array<[string, RegExp]> = [
      ['<svg onload="alert(1)"/>', /event handler attribute \(onload\)/],
      ['<svg><rect ONCLICK = "x()"/></svg>', /event handler attribute \(ONCLICK\)/],
      ["<svg><script>alert(1)</script></svg>", /script element/],
      ["<svg><SCRIPT href='x.js'/></svg>", /script element/],
      ['<svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>1</svg:script></svg>', /script element/],
      ["<svg><foreignObject><div/></foreignObject></svg>", /foreignObject/],
      ['<svg><a href="javascript:alert(1)"><text>x</text></a></svg>', /external reference/],
      ['<svg><use xlink:href="https://example.org/sprite.svg#a"/></svg>', /external reference/],
      ['<svg><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>', /external reference/],
      ["<svg><image href=//example.org/x.png /></svg>", /external reference/],
      ["<svg><style>rect { fill: url(https://example.org/t) }</style></svg>", /external reference/],
      ["<svg><style>@import 'https://example.org/a.css';</style></svg>", /@import/],
      ['<svg><rect style="fill:u\\72l(https://example.org)"/></svg>', /CSS escapes/],
      ["<svg><style>rect { fill: \\75rl(https://example.org/t) }</style></svg>", /CSS escapes/],
      ["<svg><svg:style>a{}</svg:style><style>\\@import x</style></svg>", /@import|CSS escapes/],
      ['<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', /DOCTYPE or entity/],
      ['<?xml-stylesheet href="https://example.org/a.css"?><svg/>', /external stylesheet/],
      ['<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>', /animation that changes a link/],
      ['<svg><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://example.org"/></svg>', /HTML elements/],
      ['<svg><feImage src="https://example.org/x.png"/></svg>', /src attribute/],
    ];
    for (const [svg, reason] of unsafe) {
      const check = checkImage(bytes(svg));
      assert.equal(check.ok, false, svg);
      assert.equal(!check.ok && check.code, "unsafe-svg", svg);
      assert.match(!check.ok ? check.reason : "", reason, svg);
    }
  });

  it("stays linear on hostile SVGs built to make pattern matching slow", () => {
    const started = performance.now();
    for (const piece of ["<style>", "url(", '<a href="', " onx", "<img ", "style='"]) {
      checkImage(bytes(`<svg>${piece.repeat(300_000)}`));
    }
    rewriteImageDestinations("<img ".repeat(200_000), () => "x.png");
    assert.ok(performance.now() - started < 3_000, `${Math.round(performance.now() - started)} ms`);
  });

  it("names packed images after their real type", () => {
    assert.equal(nameForImageType("photo.gif", "png"), "photo.png");
    assert.equal(nameForImageType("photo.JPEG", "jpeg"), "photo.JPEG");
    assert.equal(nameForImageType("download", "webp"), "download.webp");
    assert.equal(nameForImageType("page.html", "svg"), "page.html.svg");
  });
});

describe("packEntry packs only real images (defence in depth: the editor packs images too)", () => {
  const note = { title: "Images", tags: [], body: "![a](a.png) ![b](b.svg) ![c](c.png) ![d](https://example.org/d.gif)\n" };

  it("leaves out HTML named .png and an SVG with a handler, with a warning, and packs a fetched remote image locally", async () => {
    const images = new Map([
      ["a.png", bytes("<html><script>alert(1)</script></html>")],
      ["b.svg", bytes('<svg onload="alert(1)"/>')],
      ["c.png", tinyPng()],
      ["https://example.org/d.gif", TINY_GIF],
    ]);
    const packed = await packEntry(note, { images });
    assert.deepEqual(
      packed.files.map((file) => file.path).filter((path) => path.startsWith("images/")),
      ["images/c.png", "images/d.gif"],
    );
    assert.match(packed.note.body, /!\[a\]\(a\.png\) !\[b\]\(b\.svg\) !\[c\]\(images\/c\.png\) !\[d\]\(images\/d\.gif\)/);
    assert.equal(packed.warnings.length, 2);
    assert.deepEqual(
      packed.warnings.map((w) => [w.code, w.image]),
      [
        ["image-refused", "a.png"],
        ["image-refused", "b.svg"],
      ],
    );
    assert.match(packed.warnings[0].message, /"a\.png" is not packed: not a PNG, JPEG, GIF, WebP, AVIF or SVG image/);
    assert.match(packed.warnings[1].message, /"b\.svg" is not packed: an SVG with an event handler attribute \(onload\)/);
  });

  it("gives a packed image the extension of its real type", async () => {
    const packed = await packEntry({ title: "Named", tags: [], body: "![x](chart.gif)\n" }, { images: new Map([["chart.gif", tinyPng()]]) });
    assert.ok(packed.files.some((file) => file.path === "images/chart.png"));
  });
});

describe("decodeNoteBytes", () => {
  it("refuses empty and whitespace-only files", () => {
    for (const content of [new Uint8Array(), bytes("  \n\n\t\n"), bytes("\uFEFF\n")])
      assert.deepEqual(decodeNoteBytes(content), { ok: false, reason: "empty", line: 1, message: "the file is empty" });
  });

  it("refuses binary files (a NUL byte)", () => {
    const result = decodeNoteBytes(new Uint8Array([...tinyPng(), 0, 0]));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "binary");
    assert.match(!result.ok ? result.message : "", /NUL byte at offset \d+/);
  });

  it("refuses invalid UTF-8 naming the byte offset and line, and --lossy publishes it with U+FFFD and a warning", () => {
    const latin1 = decodeNoteBytes(LATIN1_NOTE);
    assert.deepEqual(latin1.ok ? undefined : [latin1.reason, latin1.line], ["invalid-utf8", 1]);
    assert.match(!latin1.ok ? latin1.message : "", /byte 5 \(0xe9\) on line 1.*--lossy/);
    const later = decodeNoteBytes(new Uint8Array([...bytes("# Ok\n\nline three \u00e9"), 0xff, 0x0a]));
    assert.match(!later.ok ? later.message : "", /byte 19 \(0xff\) on line 3/);
    const lossy = decodeNoteBytes(LATIN1_NOTE, { lossy: true });
    assert.ok(lossy.ok);
    assert.equal(lossy.ok && lossy.text.split("\n")[0], "# Caf\uFFFD cr\uFFFDme");
    assert.equal(lossy.ok && lossy.warnings[0].code, "lossy-utf8");
    assert.match(lossy.ok ? lossy.warnings[0].message : "", /invalid UTF-8 from byte 5 .*U\+FFFD.*--lossy/);
  });

  it("finds the first invalid UTF-8 byte: overlong, surrogate, truncated, out of range", () => {
    assert.equal(firstInvalidUtf8(bytes("ascii, é, 日本, 😀")), -1);
    assert.equal(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0x80])), 1);
    assert.equal(firstInvalidUtf8(new Uint8Array([0x41, 0x42, 0xed, 0xa0, 0x80])), 2);
    assert.equal(firstInvalidUtf8(new Uint8Array([0xe6, 0x97])), 0);
    assert.equal(firstInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80])), 0);
    assert.equal(firstInvalidUtf8(new Uint8Array([0xe2, 0x82, 0xac, 0x80])), 3);
  });
});

describe("skip rules of a folder import", () => {
  it("skips repository documents in any case and markdown extension, hidden files and dot-folders", () => {
    const reasons = (path: string) => pathSkipReason(path)?.reason;
    assert.equal(reasons("README.md"), "repository-document");
    assert.equal(reasons("readme.markdown"), "repository-document");
    assert.equal(reasons("git/ReadMe.MD"), "repository-document");
    assert.equal(reasons("Contributing.md"), "repository-document");
    assert.equal(reasons("LICENSE.md"), "repository-document");
    assert.equal(reasons("code_of_conduct.md"), "repository-document");
    assert.equal(reasons("CHANGELOG.mdown"), "repository-document");
    assert.equal(reasons("SECURITY.md"), "repository-document");
    assert.equal(reasons(".github/ISSUE_TEMPLATE.md"), "dot-folder");
    assert.equal(reasons("docs/.drafts/idea.md"), "dot-folder");
    assert.equal(reasons("git/.hidden-note.md"), "dot-folder");
    assert.equal(reasons("git/readme-tricks.md"), undefined, "a note about READMEs is a note");
    assert.equal(reasons("security/csp-headers.md"), undefined);
    assert.match(pathSkipReason("CONTRIBUTING.md")!.message, /--include "CONTRIBUTING\.md"/);
  });

  it("--include globs bring skipped files back", () => {
    assert.equal(pathSkipReason("CONTRIBUTING.md", ["CONTRIBUTING.md"]), undefined);
    assert.equal(pathSkipReason(".github/ISSUE_TEMPLATE.md", [".github/**"]), undefined);
    assert.equal(pathSkipReason("git/README.md", ["git/*.md"]), undefined);
    assert.equal(pathSkipReason("README.md", ["git/*.md"])?.reason, "repository-document");
    assert.ok(matchesGlob("a/b/c.md", "**/*.md"));
    assert.ok(matchesGlob("c.md", "**/*.md"));
    assert.ok(matchesGlob("docs/x.markdown", "docs/*.{md,markdown}"));
    assert.ok(!matchesGlob("docs/sub/x.md", "docs/*.md"));
    assert.ok(matchesGlob("deep/readme.md", "README.md"), "a glob without / matches the name at any depth, any case");
  });
});

describe("importing a repository with real-world quirks", () => {
  let temp: string;
  let repo: string;
  before(async () => {
    temp = await mkdtemp(join(tmpdir(), "til-hygiene-"));
    repo = await makeQuirksRepo(join(temp, "repo"));
  });
  after(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it("imports the notes and yields every skipped file with its reason, never a note named after its file", async () => {
    const { notes, skipped } = await collect(importFolder(repo, { git: false }));
    assert.deepEqual(
      notes.map((item) => [item.sourcePath.slice(repo.length + 1), item.note.title]),
      [
        ["css/gap-in-flexbox.md", "Flexbox has gap too"],
        ["git/undo-last-commit.md", "Undo the last commit but keep its changes"],
        ["shell/fake-chart.md", "A chart that is really a web page"],
        ["shell/front-matter-only.md", "Here-strings feed one line to a command"],
        ["shell/logo-with-handler.md", "An SVG logo with an event handler"],
        ["shell/secrets.md", "Loading variables from a file"],
      ],
    );
    assert.deepEqual(
      skipped.map(([path, reason, line]) => [path.slice(repo.length + 1), reason, line]),
      [
        [".github/ISSUE_TEMPLATE.md", "dot-folder", 1],
        ["CODE_OF_CONDUCT.md", "repository-document", 1],
        ["CONTRIBUTING.md", "repository-document", 1],
        ["README.md", "repository-document", 1],
        ["css/binary.md", "binary", 1],
        ["css/latin1.md", "invalid-utf8", 1],
        ["git/empty-note.md", "empty", 1],
        ["shell/musings.md", "no-title", 1],
      ],
    );
  });

  it("reads only real images: a packed PNG, GIF (from an <img> tag) and safe SVG; .env, HTML named .png and an SVG with onload are refused with a warning", async () => {
    const { notes } = await collect(importFolder(repo, { git: false }));
    const byFile = (name: string) => notes.find((item) => item.sourcePath.endsWith(name))!;
    const git = byFile("undo-last-commit.md");
    assert.deepEqual([...git.images.keys()], ["images/branch.png", "images/spinner.gif"]);
    assert.match(git.note.body, /<img src="images\/spinner\.gif" alt="a tiny animation" width="16">/, "the <img> tag stays HTML, its width kept");
    const gitEntry = await packEntry(git.note, { images: git.images });
    const html = new TextDecoder().decode(gitEntry.files.find((file) => file.path === "index.html")!.content);
    assert.match(html, /<img src="images\/spinner\.gif" alt="a tiny animation" width="16"/, "the static page shows it at its size (sanitized by the renderer)");
    assert.ok(
      gitEntry.files.some((file) => file.path === "images/spinner.gif"),
      "and packs the image",
    );
    assert.deepEqual([...byFile("gap-in-flexbox.md").images.keys()], ["arrow.svg"]);
    const secrets = byFile("secrets.md");
    assert.equal(secrets.images.size, 0);
    assert.deepEqual(
      secrets.warnings.map((w) => [w.code, w.image]),
      [["image-hidden", ".env"]],
    );
    assert.match(secrets.warnings[0].message, /image "\.env" is a hidden file .*never published/);
    const chart = byFile("fake-chart.md");
    assert.equal(chart.images.size, 0);
    assert.deepEqual(
      chart.warnings.map((w) => w.code),
      ["image-refused"],
    );
    assert.match(chart.warnings[0].message, /image "chart\.png" refused: not a PNG, JPEG, GIF, WebP, AVIF or SVG image/);
    const logo = byFile("logo-with-handler.md");
    assert.equal(logo.images.size, 0);
    assert.deepEqual(
      logo.warnings.map((w) => w.code),
      ["image-refused"],
    );
    assert.match(logo.warnings[0].message, /image "logo\.svg" refused: an SVG with an event handler attribute \(onload\)/);
    const packed = await packEntry(secrets.note, { images: secrets.images });
    assert.ok(!packed.files.some((file) => new TextDecoder().decode(file.content).includes("made-up-value-for-tests")), "the .env never reaches the entry");
  });

  it("--include brings back a repository document; --lossy a Latin-1 note, with a warning", async () => {
    const { notes } = await collect(importFolder(repo, { git: false, include: ["CONTRIBUTING.md", ".github/**"], lossy: true }));
    const titles = notes.map((item) => item.note.title);
    assert.ok(titles.includes("Contributing"));
    assert.ok(titles.includes("Which note?"), "the .github template, by its heading");
    const latin1 = notes.find((item) => item.sourcePath.endsWith("latin1.md"))!;
    assert.equal(latin1.note.title, "Caf\uFFFD cr\uFFFDme");
    assert.deepEqual([latin1.warnings[0].code, latin1.warnings[0].file, latin1.warnings[0].line], ["lossy-utf8", latin1.sourcePath, 1]);
    assert.match(latin1.warnings[0].message, /invalid UTF-8 from byte 5/);
  });

  it("a file with front matter and no # H1 is the same entry from a log import, a folder import and til publish", async () => {
    const file = join(repo, "shell/front-matter-only.md");
    const single = join(temp, "single");
    await mkdir(single, { recursive: true });
    // The same file name: a one-note file's identity is its path inside the folder it is imported from.
    await writeFile(join(single, "front-matter-only.md"), await readFile(file));
    const fromLog = await collect(importSource(file, { git: false }));
    const fromFolder = await collect(importFolder(single, { git: false }));
    const fromPublish = await importNoteFile(file, { root: join(repo, "shell"), fallbackDates: false });
    assert.equal(fromLog.notes.length, 1);
    assert.deepEqual(fromLog.notes[0].note, fromFolder.notes[0].note);
    assert.ok(!isSkippedSource(fromPublish));
    const cids = await Promise.all(
      [fromLog.notes[0], fromFolder.notes[0], fromPublish as ImportedNote].map(async (item) => (await packEntry(item.note, { images: item.images })).cid),
    );
    assert.equal(new Set(cids).size, 1, cids.join(" "));
  });

  it("a log file without any entry, an empty file and a binary file are skipped in file mode too", async () => {
    for (const [name, reason] of [
      ["shell/musings.md", "no-title"],
      ["git/empty-note.md", "empty"],
      ["css/binary.md", "binary"],
      ["css/latin1.md", "invalid-utf8"],
    ]) {
      const { notes, skipped } = await collect(importSource(join(repo, name)));
      assert.equal(notes.length, 0, name);
      assert.deepEqual(
        skipped.map(([, why]) => why),
        [reason],
        name,
      );
      const single = await importNoteFile(join(repo, name), { root: repo, fallbackDates: false });
      assert.equal(isSkippedSource(single) && single.skipped, reason, name);
    }
  });

  it("readLocalImages never reads a dotfile or a path through a dot-folder", async () => {
    const warnings: Warning[] = [];
    const images = await readLocalImages("![a](.env) ![b](./.git/config) ![c](sub/.hidden/x.png)\n", join(repo, "shell"), repo, warnings);
    assert.equal(images.size, 0);
    assert.equal(warnings.length, 3);
    for (const warning of warnings) assert.equal(warning.code, "image-hidden");
    for (const warning of warnings) assert.match(warning.message, /hidden file or inside a dot-folder/);
  });
});

describe("raw HTML <img> in notes", () => {
  it("keeps the tag (and its size) while its src is found and rewritten like a markdown image's, outside code only", () => {
    const markdown = [
      '<img src="https://example.org/a.png" alt="A [b]" width="20"> and <IMG SRC=local.gif height=10>',
      '`<img src="in-code.png">`',
      "```",
      '<img src="fenced.png">',
      "```",
      '<img alt="no source">',
    ].join("\n");
    const seen: string[] = [];
    const rewritten = rewriteImageDestinations(markdown, (destination) => {
      seen.push(destination);
      return destination === "local.gif" ? 'images/lo"cal.gif' : undefined;
    });
    assert.deepEqual(seen, ["https://example.org/a.png", "local.gif"]);
    assert.equal(
      rewritten,
      [
        '<img src="https://example.org/a.png" alt="A [b]" width="20"> and <IMG src="images/lo&quot;cal.gif" height=10>',
        '`<img src="in-code.png">`',
        "```",
        '<img src="fenced.png">',
        "```",
        '<img alt="no source">',
      ].join("\n"),
    );
  });

  it("renders with its width and height, and without handlers or unsafe sources", () => {
    const html = renderMarkdown(
      '<img src="images/a.png" width="120" height="40" onerror="alert(1)" style="position:fixed">\n\n<img src="javascript:alert(1)" width=5>\n',
    );
    assert.match(html, /<img src="images\/a\.png" width="120" height="40"/);
    assert.doesNotMatch(html, /onerror|position|javascript/);
  });
});

describe("fetchRemoteImages", () => {
  let server: http.Server;
  let base: string;
  let hugeSent = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/ok.png") res.writeHead(200, { "content-type": "image/png" }).end(tinyPng());
      else if (req.url === "/hop") res.writeHead(302, { location: "/ok.png" }).end();
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else if (req.url === "/file") res.writeHead(302, { location: "file:///etc/passwd" }).end();
      else if (req.url === "/page.png") res.writeHead(200, { "content-type": "image/png" }).end("<html><script>alert(1)</script></html>");
      else if (req.url === "/slow.png") setTimeout(() => res.writeHead(200).end(tinyPng()), 3_000).unref();
      else if (req.url === "/huge.png") {
        res.writeHead(200, { "content-type": "image/png" });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          while (hugeSent < 200 * 1024 * 1024 && !res.destroyed) {
            hugeSent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
      } else res.writeHead(404).end("not here");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("fetches real images, following redirects, keyed by the URL as written", async () => {
    const warnings: Warning[] = [];
    const images = await fetchRemoteImages(`![a](${base}/ok.png) ![b](${base}/hop) ![c](local.png)\n`, warnings);
    assert.deepEqual([...images.keys()], [`${base}/ok.png`, `${base}/hop`]);
    assert.deepEqual(images.get(`${base}/hop`), tinyPng());
    assert.deepEqual(warnings, []);
  });

  it("refuses redirect loops, other schemes, HTTP errors, HTML served as image/png and slow servers, with a warning each", async () => {
    const warnings: Warning[] = [];
    const body = ["loop", "file", "missing.png", "page.png", "slow.png"].map((path) => `![x](${base}/${path})`).join("\n");
    const started = performance.now();
    const images = await fetchRemoteImages(body, warnings, { timeoutMs: 500 });
    assert.ok(performance.now() - started < 2_500, "the slow server does not hold the import");
    assert.equal(images.size, 0);
    assert.equal(warnings.length, 5);
    assert.deepEqual(
      warnings.map((w) => w.code),
      ["image-remote-failed", "image-remote-failed", "image-remote-failed", "image-refused", "image-remote-failed"],
    );
    assert.match(warnings[0].message, /\/loop" not packed: more than 5 redirects; the remote link is kept/);
    assert.match(warnings[1].message, /redirected to a file: URL/);
    assert.match(warnings[2].message, /HTTP 404/);
    assert.match(warnings[3].message, /not a PNG, JPEG, GIF, WebP, AVIF or SVG image/);
    assert.match(warnings[4].message, /no answer within 0\.5 s/);
  });

  it("stops reading a body over the byte cap instead of buffering it", async () => {
    const cap = 1024 * 1024;
    await assert.rejects(fetchImage(`${base}/huge.png`, { maxBytes: cap }), {
      name: "RemoteImageError",
      message: /more than 1048576 bytes.*download was stopped/,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(hugeSent < 16 * cap, `the server sent ${hugeSent} bytes before the client hung up`);
  });
});
