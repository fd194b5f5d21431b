import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as dagPb from "@ipld/dag-pb";
import { importer } from "ipfs-unixfs-importer";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { cidToDigest } from "#core/cid.ts";
import {
  directoryCid,
  entryImporterOptions,
  ENTRY_FILES,
  fileCid,
  MAX_ENTRY_BYTES,
  MAX_NOTE_MARKDOWN_BYTES,
  packEntry,
  parseNote,
  serializeNote,
  type EntryFile,
  type EntryMetadata,
  type Note,
} from "#core/entry/index.ts";

const text = (value: string) => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const CHUNK = 262144;

/** Deterministic pseudo-random bytes (xorshift), so big test files do not compress to patterns. */
function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The entry directory's CID built by hand from the UnixFS and dag-pb specs, without the importer:
 * raw leaves of 256 KiB, one dag-pb file node above them when there is more than one chunk
 * (fewer than 174 here), dag-pb directories with links sorted by name.
 */
async function independentCid(files: EntryFile[]): Promise<string> {
  type Node = { cid: CID; tsize: number };
  const fileNode = async (content: Uint8Array): Promise<Node> => {
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < content.length; offset += CHUNK) chunks.push(content.subarray(offset, offset + CHUNK));
    const leaves = await Promise.all(chunks.map(async (chunk) => ({ cid: CID.createV1(raw.code, await sha256.digest(chunk)), tsize: chunk.length })));
    if (leaves.length === 1) return leaves[0];
    assert.ok(leaves.length <= 174);
    const data = new UnixFS({ type: "file", blockSizes: chunks.map((chunk) => BigInt(chunk.length)) }).marshal();
    const block = dagPb.encode({ Data: data, Links: leaves.map((leaf) => ({ Name: "", Hash: leaf.cid, Tsize: leaf.tsize })) });
    return { cid: CID.createV1(dagPb.code, await sha256.digest(block)), tsize: block.length + leaves.reduce((sum, leaf) => sum + leaf.tsize, 0) };
  };
  const dirNode = async (children: Map<string, Node>): Promise<Node> => {
    const links = [...children].map(([name, child]) => ({ Name: name, Hash: child.cid, Tsize: child.tsize }));
    links.sort((a, b) => Buffer.compare(Buffer.from(a.Name), Buffer.from(b.Name)));
    const block = dagPb.encode({ Data: new UnixFS({ type: "directory" }).marshal(), Links: links });
    return { cid: CID.createV1(dagPb.code, await sha256.digest(block)), tsize: block.length + links.reduce((sum, link) => sum + link.Tsize, 0) };
  };
  const top = new Map<string, Node>();
  const folders = new Map<string, Map<string, Node>>();
  for (const file of files) {
    const parts = file.path.split("/");
    assert.ok(parts.length <= 2, "entries are at most one folder deep");
    if (parts.length === 1) top.set(parts[0], await fileNode(file.content));
    else {
      if (!folders.has(parts[0])) folders.set(parts[0], new Map());
      folders.get(parts[0])!.set(parts[1], await fileNode(file.content));
    }
  }
  for (const [name, children] of folders) top.set(name, await dirNode(children));
  return (await dirNode(top)).cid.toString();
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
/** Other bytes that still start like a PNG (packEntry packs only real images; see image-check.test.ts). */
const pngLike = (...tail: number[]) => new Uint8Array([...PNG.subarray(0, 8), ...tail]);
const NOTE: Note = {
  title: "Partial indexes in PostgreSQL",
  date: "2022-03-14",
  tags: ["DB", "Postgres"],
  body: "A partial index covers only rows matching a `WHERE` clause.\n\n![plan](./diagrams/plan.png)\n\n![gone](missing.png)\n\n```\n![not an image](code.png)\n```\n",
};
const IMAGES = new Map([["./diagrams/plan.png", PNG]]);

describe("packEntry", () => {
  it("gives a pinned CID for a fixed note (a change to the format shows here)", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    assert.equal(packed.cid, "bafybeieatpzxqhhf6eu7f3xrxqyzamvt2p3pxitya3shp4v4esvejhxmo4");
    assert.equal(packed.digest, cidToDigest(packed.cid));
    assert.match(packed.digest, /^0x[0-9a-f]{64}$/);
  });

  it("is deterministic: same note, same bytes", async () => {
    const a = await packEntry(NOTE, { images: IMAGES });
    const b = await packEntry(structuredClone(NOTE), { images: new Map(IMAGES) });
    assert.deepEqual(b.files, a.files);
    assert.equal(b.cid, a.cid);
  });

  it("lays out the directory with fixed names, sorted", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    assert.deepEqual(
      packed.files.map((file) => file.path),
      ["card.svg", "images/plan.png", "index.html", "index.md", "metadata.json"],
    );
    assert.deepEqual(packed.files.find((file) => file.path === "images/plan.png")!.content, PNG);
  });

  it("has the CID of the same files built by hand from the UnixFS spec", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    assert.equal(await independentCid(packed.files), packed.cid);
  });

  it("matches the hand-built CID with an image of several 256 KiB chunks", async () => {
    const big = seededBytes(2 * CHUNK + 12345, 7);
    big.set(PNG.subarray(0, 8));
    const packed = await packEntry({ ...NOTE, body: "![big](big.bin)\n" }, { images: new Map([["big.bin", big]]) });
    assert.equal(await independentCid(packed.files), packed.cid);
  });

  it("does not depend on the order files are given to the importer", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    let root: CID | undefined;
    const shuffled = [...packed.files].reverse().map((file) => ({ path: file.path, content: file.content }));
    for await (const entry of importer(shuffled, { put: async (cid: CID) => cid }, entryImporterOptions(true))) root = entry.cid;
    assert.equal(root?.toString(), packed.cid);
  });

  it("uses Kubo's layout (vectors from Kubo's own tests)", async () => {
    const planets = [
      { path: "mars.txt", content: text("Hello Mars!\n") },
      { path: "venus.txt", content: text("Hello Venus!\n") },
    ];
    assert.equal((await directoryCid(planets)).toString(), "bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi");
    assert.equal((await fileCid(text("Hello Mars!\n"))).toString(), "bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4");
  });

  it("rewrites links to packed images, keeps missing ones and code, and warns", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    const markdown = decode(packed.files.find((file) => file.path === ENTRY_FILES.markdown)!.content);
    assert.match(markdown, /!\[plan\]\(images\/plan\.png\)/);
    assert.match(markdown, /!\[gone\]\(missing\.png\)/);
    assert.match(markdown, /!\[not an image\]\(code\.png\)/);
    assert.equal(markdown, serializeNote(packed.note));
    assert.deepEqual(packed.warnings, [
      { code: "image-missing", image: "missing.png", message: 'Image "missing.png" is referenced but was not supplied; the link is kept as written.' },
    ]);
  });

  it("rewrites reference-style images and angle-bracket destinations, not link definitions", async () => {
    const body = 'See [guide][g] and ![logo][l] and ![Pic] and ![x](<my pic.png> "t").\n\n[g]: ./guide.png\n[l]: img/logo.png "Logo"\n[pic]: <pic one.png>\n';
    const packed = await packEntry(
      { ...NOTE, body },
      {
        images: new Map([
          ["img/logo.png", PNG],
          ["pic one.png", PNG],
          ["my pic.png", pngLike(7)],
          ["./guide.png", PNG],
        ]),
      },
    );
    assert.match(packed.note.body, /\[g\]: \.\/guide\.png\n/, "a link definition is not an image");
    assert.match(packed.note.body, /\[l\]: images\/logo\.png "Logo"/);
    assert.match(packed.note.body, /\[pic\]: <images\/pic-one\.png>/);
    assert.match(packed.note.body, /!\[x\]\(<images\/my-pic\.png> "t"\)/);
    assert.deepEqual(
      packed.files.map((file) => file.path).filter((path) => path.startsWith("images/")),
      ["images/logo.png", "images/my-pic.png", "images/pic-one.png"],
    );
    const html = decode(packed.files.find((file) => file.path === ENTRY_FILES.html)!.content);
    assert.match(html, /<img src="images\/logo.png" alt="logo"/);
    assert.match(html, /<img src="images\/pic-one.png" alt="Pic"/);
  });

  it("warns about images that readers will not be shown", async () => {
    const packed = await packEntry({ ...NOTE, body: "![a](/abs.png) ![b](javascript:alert(1)) ![c](https://example.org/c.png)\n" });
    assert.equal(packed.warnings.length, 2);
    assert.deepEqual(
      packed.warnings.map((w) => [w.code, w.image]),
      [
        ["image-unsafe-url", "/abs.png"],
        ["image-unsafe-url", "javascript:alert(1)"],
      ],
    );
    assert.match(packed.warnings[0].message, /"\/abs.png" will not be shown/);
    assert.match(packed.warnings[1].message, /"javascript:alert\(1\)" will not be shown/);
  });

  it("gives images with the same name but different bytes distinct paths", async () => {
    const body = "![a](one/x.png) ![b](two/x.png) ![c](three/x.png)\n";
    const packed = await packEntry(
      { ...NOTE, body },
      {
        images: new Map([
          ["one/x.png", PNG],
          ["two/x.png", pngLike(8)],
          ["three/x.png", PNG],
        ]),
      },
    );
    const paths = packed.files.map((file) => file.path).filter((path) => path.startsWith("images/"));
    assert.equal(paths.length, 2);
    assert.ok(paths.includes("images/x.png"));
    assert.match(paths.find((path) => path !== "images/x.png")!, /^images\/x-[0-9a-f]{8}\.png$/);
  });

  it("writes ERC-721 metadata with an excerpt, the card and the body's place", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    const metadataFile = packed.files.find((file) => file.path === ENTRY_FILES.metadata)!;
    const metadata = JSON.parse(decode(metadataFile.content)) as EntryMetadata;
    assert.deepEqual(Object.keys(metadata), ["name", "description", "image", "animation_url", "attributes", "properties"]);
    assert.equal(metadata.properties.format, "til-entry/2");
    const html = packed.files.find((file) => file.path === ENTRY_FILES.html)!.content;
    assert.equal(metadata.animation_url, `ipfs://${await fileCid(html)}`, "animation_url: the entry's static page");
    assert.equal(metadata.name, NOTE.title);
    assert.equal(metadata.description, "A partial index covers only rows matching a WHERE clause.", "plain text: no markup, no code blocks, no image syntax");
    const card = packed.files.find((file) => file.path === ENTRY_FILES.card)!.content;
    assert.equal(metadata.image, `ipfs://${await fileCid(card)}`);
    const markdown = packed.files.find((file) => file.path === ENTRY_FILES.markdown)!.content;
    assert.equal(metadata.properties.markdown, `ipfs://${await fileCid(markdown)}`);
    assert.deepEqual(metadata.attributes, [
      { trait_type: "Date", value: "2022-03-14" },
      { trait_type: "Tag", value: "DB" },
      { trait_type: "Tag", value: "Postgres" },
    ]);
    assert.deepEqual(metadata.properties.files, { markdown: "index.md", html: "index.html", card: "card.svg", images: ["images/plan.png"] });
  });

  it("cuts long descriptions to 200 characters of plain text", async () => {
    const body = `# ${NOTE.title}\n\n${"**word** ".repeat(100)}\n`;
    const packed = await packEntry({ ...NOTE, body });
    const metadata = JSON.parse(decode(packed.files.find((file) => file.path === ENTRY_FILES.metadata)!.content)) as EntryMetadata;
    assert.ok([...metadata.description].length <= 200);
    assert.match(metadata.description, /^word word .*word…$/);
  });

  it("leaves headings and bare URLs out of the description", async () => {
    const packed = await packEntry({ ...NOTE, body: "Text first.\n\n## Links\n- https://example.org/a\n- [docs](https://example.org/b)\n" });
    const metadata = JSON.parse(decode(packed.files.find((file) => file.path === ENTRY_FILES.metadata)!.content)) as EntryMetadata;
    assert.equal(metadata.description, "Text first. docs");
  });

  it("wraps card titles by display width, wide (CJK) characters counting double", async () => {
    const cardLines = async (title: string) => {
      const packed = await packEntry({ ...NOTE, title });
      const svg = decode(packed.files.find((file) => file.path === ENTRY_FILES.card)!.content);
      return [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((match) => match[1]);
    };
    const cjk = await cardLines("文字コードについての長いタイトルです。さらに長く続く");
    assert.ok(cjk.length >= 3, cjk.join("|"));
    for (const line of cjk) assert.ok([...line].length <= 11, line);
    assert.equal(cjk.join(""), "文字コードについての長いタイトルです。さらに長く続く");
    const long = await cardLines("word ".repeat(40).trim());
    assert.equal(long.length, 5);
    assert.match(long[4], /…$/);
  });

  it("keeps a 10,000-character title inside the card, and isolates a title's bidi override", async () => {
    const cardOf = async (title: string) => decode((await packEntry({ ...NOTE, title })).files.find((file) => file.path === ENTRY_FILES.card)!.content);
    const wide = await cardOf("W".repeat(10_000));
    const lines = [...wide.matchAll(/<tspan([^>]*)>([^<]*)<\/tspan>/g)];
    assert.equal(lines.length, 5);
    for (const [, attributes] of lines) assert.match(attributes, /textLength="504" lengthAdjust="spacingAndGlyphs"/);
    assert.ok(wide.length < 4_000, `card of ${wide.length} characters`);
    const plain = await cardOf("A short title");
    assert.doesNotMatch(plain, /textLength|\u2068/);
    const rlo = await cardOf("evil \u202e gnp.exe x");
    assert.match(rlo, /<tspan[^>]*>\u2068evil \u202e gnp.exe x\u2069<\/tspan>/);
  });

  it("renders a standalone index.html without scripts, with title, date and tags", async () => {
    const packed = await packEntry({ ...NOTE, title: "Escaping <script>alert(1)</script>", body: "<img src=x onerror=alert(1)>\n" });
    const html = decode(packed.files.find((file) => file.path === ENTRY_FILES.html)!.content);
    assert.match(html, /^<!doctype html>\n<html/);
    assert.doesNotMatch(html, /<script/i);
    // raw HTML as GitHub renders it: the image stays (a path inside the entry), its handler goes
    assert.match(html, /<img src="x" loading="lazy" \/>/);
    assert.doesNotMatch(html, /onerror/i);
    assert.match(html, /<title>Escaping &#60;script&#62;alert\(1\)&#60;\/script&#62;<\/title>/);
    assert.match(html, /<time datetime="2022-03-14">2022-03-14<\/time>/);
    assert.match(html, /<li><bdi>#DB<\/bdi><\/li><li><bdi>#Postgres<\/bdi><\/li>/);
    assert.match(html, /<article>\n<header class="entry-header">[\s\S]*<div class="entry-body">/, "the app's reading style");
    assert.match(html, /--measure: 42rem[\s\S]*\.entry-body \{ font-family: var\(--serif\)/);
    assert.match(html, /<style>[\s\S]*prefers-color-scheme: dark[\s\S]*<\/style>/);
    const card = decode(packed.files.find((file) => file.path === ENTRY_FILES.card)!.content);
    assert.doesNotMatch(card, /<script/i);
    assert.match(card, /&#60;script&#62;/);
  });

  it("round-trips: serialize → parse → pack, and re-importing the packed files, give the same CID", async () => {
    const packed = await packEntry(NOTE, { images: IMAGES });
    const again = await packEntry(parseNote(serializeNote(NOTE)), { images: IMAGES });
    assert.equal(again.cid, packed.cid);
    const exported = decode(packed.files.find((file) => file.path === ENTRY_FILES.markdown)!.content);
    const images = new Map(packed.files.filter((file) => file.path.startsWith("images/")).map((file) => [file.path, file.content]));
    const reimported = await packEntry(parseNote(exported), { images });
    assert.equal(reimported.cid, packed.cid);
  });

  it("changes the CID when any field changes", async () => {
    const base = (await packEntry(NOTE, { images: IMAGES })).cid;
    const variants: Note[] = [
      { ...NOTE, title: `${NOTE.title}!` },
      { ...NOTE, date: "2022-03-15" },
      { ...NOTE, tags: ["DB"] },
      { ...NOTE, body: `${NOTE.body}more\n` },
    ];
    for (const variant of variants) assert.notEqual((await packEntry(variant, { images: IMAGES })).cid, base);
    assert.notEqual((await packEntry(NOTE, { images: new Map([["./diagrams/plan.png", pngLike(9)]]) })).cid, base);
  });

  it("refuses notes without a title and notes over the size limits", async () => {
    assert.equal(MAX_NOTE_MARKDOWN_BYTES, 1024 * 1024);
    assert.equal(MAX_ENTRY_BYTES, 10 * 1024 * 1024);
    await assert.rejects(packEntry({ title: "  ", tags: [], body: "x" }), { name: "InvalidNoteError" });
    await assert.rejects(packEntry({ ...NOTE, body: "a".repeat(MAX_NOTE_MARKDOWN_BYTES) }), { name: "NoteTooLargeError" });
    await packEntry({ ...NOTE, body: "a".repeat(MAX_NOTE_MARKDOWN_BYTES - 200) });
    const huge = new Map([
      ["a.bin", new Uint8Array(6 * 1024 * 1024)],
      ["b.bin", new Uint8Array(5 * 1024 * 1024)],
    ]);
    for (const bytes of huge.values()) bytes.set(PNG.subarray(0, 8));
    await assert.rejects(packEntry({ ...NOTE, body: "![a](a.bin) ![b](b.bin)\n" }, { images: huge }), { name: "EntryTooLargeError" });
  });
});
