import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keccak256, stringToBytes } from "viem";
import { ENTRY_FILES, packEntry, parseNote, serializeNote, type Note } from "#core/entry/index.ts";
import { collectionMetadata, collectionMetadataDataUri, noteAppUrl, readEntryMetadata } from "#core/entry/metadata.ts";
import { MAX_NOTE_ID_CHARS, noteIdentity, noteKey } from "#core/entry/note-identity.ts";
import { importSource } from "#core/import/source.node.ts";
import { isSkippedSource, type ImportedNote } from "#core/import/folder.node.ts";
import { metadataSchemaErrors } from "../support/metadata-schemas.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const AUTHOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const NOTE: Note = { title: "Partial indexes", date: "2022-03-14", tags: ["db"], body: "Only rows matching a `WHERE`.\n", id: "path:db/partial.md" };
const fileOf = (packed: Awaited<ReturnType<typeof packEntry>>, path: string) => decode(packed.files.find((f) => f.path === path)!.content);

describe("note identity", () => {
  it("is the front-matter id, else the path inside the folder, else the log heading's title and date", () => {
    assert.equal(noteIdentity({ id: "  my-note ", path: "a.md", title: "T", date: "2024-01-02" }), "my-note");
    assert.equal(noteIdentity({ path: "rust/closures.md", title: "T" }), "path:rust/closures.md");
    assert.equal(noteIdentity({ path: ".\\rust\\closures.md", title: "T" }), "path:rust/closures.md", "the same path from Windows");
    assert.equal(noteIdentity({ title: "  Closures   capture ", date: "2024-01-02" }), "log:2024-01-02:Closures capture");
    assert.equal(noteIdentity({ title: "Undated" }), "log::Undated");
  });

  it("keys the note by keccak256 of the identity's UTF-8 bytes (the registry's noteKey)", () => {
    assert.equal(noteKey("path:rust/closures.md"), keccak256(stringToBytes("path:rust/closures.md")));
    assert.match(noteKey("x"), /^0x[0-9a-f]{64}$/);
    assert.notEqual(noteKey("path:a.md"), noteKey("path:b.md"));
  });

  it("bounds a long derived identity with a hash, and refuses a long or multi-line front-matter id", () => {
    const long = noteIdentity({ title: "w".repeat(10_000), date: "2024-01-02" });
    assert.equal([...long].length, MAX_NOTE_ID_CHARS);
    assert.notEqual(long, noteIdentity({ title: `${"w".repeat(9_999)}v`, date: "2024-01-02" }), "still tells titles apart");
    assert.throws(() => noteIdentity({ id: "x".repeat(MAX_NOTE_ID_CHARS + 1), title: "T" }), { name: "InvalidFrontMatterError" });
    assert.throws(() => parseNote('---\ntitle: T\nid: "a\\nb"\n---\n'), { name: "InvalidFrontMatterError" });
  });

  it("survives an edit: the importers give the same identity before and after a typo fix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "til-identity-"));
    try {
      await mkdir(join(dir, "notes", "rust"), { recursive: true });
      const file = join(dir, "notes", "rust", "closures.md");
      const log = join(dir, "README.md");
      const identities = async (path: string) => {
        const out: string[] = [];
        for await (const item of importSource(path, { git: false })) if (!isSkippedSource(item)) out.push((item as ImportedNote).note.id!);
        return out;
      };
      await writeFile(file, "---\ntitle: Closures\ndate: 2024-01-02\n---\nClosures capture their enviroment.\n");
      const before = await identities(join(dir, "notes"));
      await writeFile(file, "---\ntitle: Closures in Rust\ndate: 2024-01-02\n---\nClosures capture their environment.\n");
      assert.deepEqual(await identities(join(dir, "notes")), before);
      assert.deepEqual(before, ["path:rust/closures.md"]);
      await writeFile(file, "---\ntitle: Closures\nid: closures-2024\n---\nBody.\n");
      assert.deepEqual(await identities(join(dir, "notes")), ["closures-2024"], "a front-matter id wins over the path");

      await writeFile(log, "# Closures (2024-01-02)\n\nTypo hre.\n\n# Lifetimes (2024-01-03)\n\nText.\n");
      const logIds = await identities(log);
      await writeFile(log, "# Closures (2024-01-02)\n\nTypo here.\n\n# Lifetimes (2024-01-03)\n\nText.\n");
      assert.deepEqual(await identities(log), logIds);
      assert.equal(logIds.length, 2);
      assert.ok(
        logIds.every((id) => /^log:2024-01-0[23]:(Closures|Lifetimes)$/.test(id)),
        logIds.join(", "),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("entry format v2", () => {
  it("names the author and the identity in the front matter, the static page and metadata.json", async () => {
    const packed = await packEntry(NOTE, { author: AUTHOR });
    const author = AUTHOR.toLowerCase();
    const markdown = fileOf(packed, ENTRY_FILES.markdown);
    assert.match(
      markdown,
      new RegExp(`^---\\ntitle: "Partial indexes"\\ndate: 2022-03-14\\ntags: \\["db"\\]\\nid: "path:db/partial.md"\\nauthor: "${author}"\\n---\\n`),
    );
    assert.match(fileOf(packed, ENTRY_FILES.html), new RegExp(`by <code>${author}</code>`));
    const metadata = JSON.parse(fileOf(packed, ENTRY_FILES.metadata));
    assert.equal(metadata.properties.format, "til-entry/2");
    assert.equal(metadata.properties.author, author);
    assert.equal(metadata.properties.id, "path:db/partial.md");
    assert.deepEqual(metadata.attributes.at(-1), { trait_type: "Author", value: author });
    assert.equal(metadata.properties.previous, undefined, "a first publish links no predecessor");
    assert.deepEqual(parseNote(markdown), { ...packed.note }, "the entry's index.md reads back as the packed note, identity and author included");
    assert.equal(parseNote(markdown).author, author);
  });

  it("gives another CID to the same note by another author (so a copy is told apart)", async () => {
    const a = await packEntry(NOTE, { author: AUTHOR });
    const b = await packEntry(NOTE, { author: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" });
    assert.notEqual(a.cid, b.cid);
  });

  it("links the predecessor revision's CID, refusing anything that is not a CID", async () => {
    const first = await packEntry(NOTE, { author: AUTHOR });
    const revision = await packEntry({ ...NOTE, body: "Only the rows matching a `WHERE` clause.\n" }, { author: AUTHOR, previous: first.cid });
    const metadata = JSON.parse(fileOf(revision, ENTRY_FILES.metadata));
    assert.equal(metadata.properties.previous, `ipfs://${first.cid}`);
    assert.deepEqual(metadata.attributes.at(-1), { trait_type: "Revision of", value: first.cid });
    assert.equal(readEntryMetadata(metadata).previous, first.cid);
    await assert.rejects(packEntry(NOTE, { author: AUTHOR, previous: "not a cid" }), { name: "InvalidNoteError" });
  });

  it("validates against the ERC-721 metadata JSON schema and the marketplace fields, external_url included when an app URL is set", async () => {
    const plain = JSON.parse(fileOf(await packEntry(NOTE, { author: AUTHOR }), ENTRY_FILES.metadata));
    assert.deepEqual(metadataSchemaErrors("token", plain), []);
    assert.equal(plain.external_url, undefined, "no public app URL configured: no external_url");
    const withApp = JSON.parse(fileOf(await packEntry(NOTE, { author: AUTHOR, appUrl: "https://til.example/app/" }), ENTRY_FILES.metadata));
    assert.deepEqual(metadataSchemaErrors("token", withApp), []);
    assert.equal(withApp.external_url, `https://til.example/app/#/note/${AUTHOR.toLowerCase()}/${noteKey(NOTE.id!)}`);
    assert.equal(withApp.external_url, noteAppUrl("https://til.example/app", AUTHOR, NOTE.id!));
    assert.notDeepEqual(metadataSchemaErrors("token", { ...plain, name: 5, attributes: [{ value: "x" }] }), [], "the schema does catch a wrong shape");
  });

  it("reads v1 metadata (no author, id or previous) and v2 alike, dropping wrong-typed fields", () => {
    const v1 = {
      name: "Old",
      description: "d",
      image: "ipfs://x",
      attributes: [],
      properties: { format: "til-entry/1", title: "Old", date: "2021-01-01", tags: ["a", 3] },
    };
    assert.deepEqual(readEntryMetadata(v1), { version: 1, title: "Old", date: "2021-01-01", tags: ["a"], description: "d" });
    const forged = { properties: { format: "til-entry/1", author: AUTHOR, id: "x" } };
    assert.equal(readEntryMetadata(forged).author, undefined, "v1 names no author");
    assert.deepEqual(readEntryMetadata({ properties: { format: "til-entry/2", title: "T", author: "mallory", previous: "javascript:x", tags: [] } }), {
      version: 2,
      title: "T",
      tags: [],
      description: "",
    });
    assert.equal(readEntryMetadata(null).title, "(untitled)");
  });

  it("still reads a v1 entry's index.md (no id, no author)", () => {
    const v1 = '---\ntitle: "Old"\ndate: 2021-01-01\ntags: ["a"]\n---\n\nBody.\n';
    const note = parseNote(v1);
    assert.equal(note.id, undefined);
    assert.equal(note.author, undefined);
    assert.equal(serializeNote(note), v1);
  });

  it("ignores a front matter author that is a person's name", () => {
    assert.equal(parseNote("---\ntitle: T\nauthor: Jane Doe\n---\nx\n").author, undefined);
    assert.equal(parseNote(`---\ntitle: T\nauthor: "${AUTHOR}"\n---\nx\n`).author, AUTHOR.toLowerCase());
  });
});

describe("collection metadata (ERC-7572 contractURI)", () => {
  it("validates against ERC-7572's contract-level schema, also as a data: URI", () => {
    const metadata = collectionMetadata({ appUrl: "https://til.example/", registry: AUTHOR, chainId: 31337 });
    assert.deepEqual(metadataSchemaErrors("contract", metadata), []);
    assert.equal(metadata.external_link, "https://til.example/");
    const uri = collectionMetadataDataUri(metadata);
    assert.match(uri, /^data:application\/json;utf8,/);
    assert.deepEqual(JSON.parse(decodeURIComponent(uri.slice(uri.indexOf(",") + 1))), metadata);
    assert.notDeepEqual(metadataSchemaErrors("contract", { description: "no name" }), []);
  });
});
