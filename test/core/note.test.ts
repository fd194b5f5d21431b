import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as errors from "#core/entry/errors.ts";
import { normalizeNote, parseNote, serializeNote, type Note } from "#core/entry/index.ts";

describe("parseNote", () => {
  it("reads title, date and tags from front matter and drops it from the body", () => {
    const note = parseNote("---\ntitle: Partial indexes\ndate: 2022-03-14\ntags: [db, postgres]\nlayout: post\n---\n\nBody text.\n");
    assert.deepEqual(note, { title: "Partial indexes", date: "2022-03-14", tags: ["db", "postgres"], body: "Body text.\n" });
  });

  it("falls back to the first H1 outside code for the title, keeping it in the body", () => {
    const note = parseNote("```\n# not the title\n```\n\n# Real title #\n\ntext\n");
    assert.equal(note.title, "Real title");
    assert.match(note.body, /^```\n# not the title/);
    assert.equal(note.date, undefined);
    assert.deepEqual(note.tags, []);
  });

  it("gives an empty title when there is neither front matter title nor H1", () => {
    assert.equal(parseNote("## Only a subheading\n").title, "");
  });

  it("accepts comma-separated tags, a timestamp date and a numeric title", () => {
    const note = parseNote("---\ntitle: 2022\ndate: 2022-03-14T10:00:00Z\ntags: db, sql ,DB\n---\nx");
    assert.deepEqual(note, { title: "2022", date: "2022-03-14", tags: ["db", "sql"], body: "x\n" });
  });

  it("normalizes line endings, byte order mark and Unicode (NFC)", () => {
    const nfd = "Cafe\u0301";
    const note = parseNote(`\uFEFF---\r\ntitle: ${nfd}\r\n---\r\nline one\r\nline two\r\n\r\n\r\n`);
    assert.equal(note.title, "Caf\u00e9");
    assert.equal(note.body, "line one\nline two\n");
  });

  it("keeps non-Latin text intact", () => {
    const note = parseNote("# Генерация изображений 日本語\n\nтекст\n");
    assert.equal(note.title, "Генерация изображений 日本語");
  });

  it("throws InvalidFrontMatterError on broken YAML and impossible dates", () => {
    assert.throws(() => parseNote("---\ntitle: [unclosed\n---\nx"), { name: "InvalidFrontMatterError" });
    assert.throws(() => parseNote("---\ndate: 2022-02-30\n---\nx"), { name: "InvalidFrontMatterError", message: /2022-02-30/ });
    assert.throws(() => parseNote("---\ntags: {a: 1}\n---\nx"), errors.InvalidFrontMatterError);
  });

  it("treats a document without a closing front matter fence as plain markdown", () => {
    assert.equal(parseNote("---\nnot front matter\n").body, "---\nnot front matter\n");
  });
});

describe("serializeNote", () => {
  const notes: Note[] = [
    { title: 'Quotes " and \\ and: colons', date: "2021-12-03", tags: ["DB", "Lambda Best Practices", "日本語"], body: "# Heading\n\n- a\n" },
    { title: "No date, no tags", tags: [], body: "" },
    { title: "---", tags: ["#hash", "[x]"], body: "---\nlooks like front matter\n---\n" },
    { title: "  spaced   title ", tags: [" a ", "A", ""], body: "\n\n  indented code?\n\n\n" },
  ];
  for (const note of notes) {
    it(`round-trips: ${JSON.stringify(note.title)}`, () => {
      const text = serializeNote(note);
      assert.deepEqual(parseNote(text), normalizeNote(note));
      assert.equal(serializeNote(parseNote(text)), text, "serializing again gives the same bytes");
    });
  }

  it("writes a fixed, readable front matter", () => {
    assert.equal(
      serializeNote({ title: "Hello", date: "2022-01-02", tags: ["a", "b c"], body: "Body" }),
      '---\ntitle: "Hello"\ndate: 2022-01-02\ntags: ["a", "b c"]\n---\n\nBody\n',
    );
  });
});

describe("entry errors", () => {
  it("keep static name and instance name in step", () => {
    const samples: Error[] = [
      new errors.EntryError("x"),
      new errors.NoteTooLargeError(2, 1),
      new errors.EntryTooLargeError(2, 1),
      new errors.InvalidFrontMatterError("x"),
      new errors.InvalidNoteError("x"),
      new errors.InvalidEntryCidError("x"),
    ];
    for (const error of samples) {
      assert.equal(error.name, (error.constructor as { name: string }).name);
      assert.ok(error instanceof errors.EntryError);
    }
    assert.deepEqual(
      samples.map((error) => error.name),
      ["EntryError", "NoteTooLargeError", "EntryTooLargeError", "InvalidFrontMatterError", "InvalidNoteError", "InvalidEntryCidError"],
    );
  });
});
