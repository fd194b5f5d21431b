import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseEntryHeading, splitTilLog, splitTilLogDetailed } from "#core/import/index.ts";

const LOG = readFileSync(new URL("../fixtures/til-log/README.md", import.meta.url), "utf8");

describe("splitTilLog on the fixture log", () => {
  const { entries, warnings } = splitTilLog(LOG);
  const byTitle = (title: string) => {
    const entry = entries.find((note) => note.title === title);
    assert.ok(entry, `no entry titled ${title}; got ${entries.map((note) => note.title).join(" | ")}`);
    return entry;
  };

  it("finds every entry, in order, with cleaned titles", () => {
    assert.deepEqual(
      entries.map((note) => note.title),
      [
        "Counting in binary for the new year",
        "Quarterly retrospective",
        "20 of March",
        "Partial indexes in PostgreSQL",
        "Checking row counts after a migration",
        "Feature scaling matters",
        "Modeling single-table designs",
        "Генерация изображений по тексту",
        "日本語のメモ: 文字コード",
        "Escaping <b>markup</b> in titles",
        "Two tags in one bracket",
        "Year boundary",
        "Last entry of the year before",
      ],
    );
  });

  it("skips the document's title and intro, and says so", () => {
    assert.ok(!entries.some((note) => note.title === "Today I Learned"));
    assert.ok(!entries.some((note) => note.body.includes("newest first")));
    assert.ok(
      warnings.some(
        (warning) => warning.code === "log-title-guessed" && warning.line === 1 && warning.message.includes('"# Today I Learned" taken as the log\'s title'),
      ),
    );
  });

  it("ignores headings inside fenced code blocks (``` and ~~~)", () => {
    const first = byTitle("Counting in binary for the new year");
    assert.match(first.body, /# this comment is not an entry/);
    assert.match(first.body, /# also not an entry \(tilde fence\)/);
    assert.match(byTitle("20 of March").body, /# Still code, not a heading/);
  });

  it("leaves the date undefined when there is none", () => {
    assert.equal(byTitle("Counting in binary for the new year").date, undefined);
  });

  it("reads dates, taking a missing year from the neighbours, across a year boundary", () => {
    assert.equal(byTitle("Partial indexes in PostgreSQL").date, "2022-03-14");
    assert.equal(byTitle("Quarterly retrospective").date, "2022-03-28");
    assert.equal(byTitle("Year boundary").date, "2021-12-30");
    assert.ok(warnings.some((warning) => warning.code === "date-guessed" && /year 2021 of "30 of December" inferred/.test(warning.message)));
  });

  it("keeps a date-only heading as the title and dates it", () => {
    const note = byTitle("20 of March");
    assert.equal(note.date, "2022-03-20");
  });

  it("reads every tag shape", () => {
    assert.deepEqual(byTitle("Partial indexes in PostgreSQL").tags, ["DB"]);
    assert.deepEqual(byTitle("Checking row counts after a migration").tags, ["Databases"]);
    assert.deepEqual(byTitle("Feature scaling matters").tags, ["ML"]);
    assert.deepEqual(byTitle("Two tags in one bracket").tags, ["Tools", "Shell"]);
    assert.deepEqual(byTitle("Modeling single-table designs").tags, ["DB"]);
    assert.ok(warnings.some((warning) => warning.code === "tag-guessed" && warning.message.includes("unclosed tag bracket")));
  });

  it("keeps non-Latin titles and text intact", () => {
    const russian = byTitle("Генерация изображений по тексту");
    assert.deepEqual(russian.tags, ["AI"]);
    assert.equal(russian.date, "2022-03-01");
    assert.match(russian.body, /^Модель рисует картинку/);
    assert.match(russian.body, /## Ссылки/);
    assert.match(byTitle("日本語のメモ: 文字コード").body, /「あ」/);
  });

  it("keeps '# Links' / '# References' H1s inside the entry above, as ## sections", () => {
    const migration = byTitle("Checking row counts after a migration");
    assert.match(migration.body, /\n## Links\nTwo pages I keep open during a cut-over:\n- \[Migration checklist\]/);
    assert.ok(!entries.some((note) => note.title === "Links" || note.title === "References"));
    assert.match(byTitle("日本語のメモ: 文字コード").body, /## References\n- https:\/\/example.org\/ja/);
    assert.match(byTitle("Partial indexes in PostgreSQL").body, /## Links\n/);
  });

  it("keeps image links as written (the importer reads the files)", () => {
    assert.match(byTitle("Partial indexes in PostgreSQL").body, /!\[query plan\]\(images\/plan\.png\)/);
    assert.match(byTitle("Feature scaling matters").body, /!\[loss curve\]\(images\/absent\.png\)/);
  });

  it("reports line numbers of entries", () => {
    const detailed = splitTilLogDetailed(LOG);
    const lines = LOG.split("\n");
    for (const entry of detailed.entries) assert.match(lines[entry.line - 1], /^# /);
  });
});

describe("splitTilLog options and edge cases", () => {
  it("imports the first heading when documentTitle is false", () => {
    const { entries } = splitTilLog("# TIL\nintro\n\n# One (1 of May 2020)\nx\n", { documentTitle: false });
    assert.deepEqual(
      entries.map((note) => note.title),
      ["TIL", "One"],
    );
  });

  it("does not take a dated first heading for the log's title", () => {
    const { entries } = splitTilLog("# First (2 of May 2020)\nx\n\n# Second (1 of May 2020)\ny\n");
    assert.deepEqual(
      entries.map((note) => note.title),
      ["First", "Second"],
    );
  });

  it("uses defaultYear when no neighbour has a year, else leaves the date out with a warning", () => {
    assert.equal(splitTilLog("# A (3 of May)\nx\n", { defaultYear: 2019 }).entries[0].date, "2019-05-03");
    const { entries, warnings } = splitTilLog("# A (3 of May)\nx\n");
    assert.equal(entries[0].date, undefined);
    assert.ok(warnings.some((warning) => warning.code === "date-undetermined" && warning.message.includes("no year")));
  });

  it("infers years in an oldest-first log too", () => {
    const { entries } = splitTilLog("# A (20 of December 2021)\nx\n# B (2 of January)\ny\n# C (5 of January 2022)\nz\n");
    assert.equal(entries[1].date, "2022-01-02");
  });

  it("keeps the log's direction when choosing a year (newest first: above a 2022 entry means later)", () => {
    const { entries } = splitTilLog("# A (10 of March)\nx\n# B (15 of March 2022)\ny\n# C (1 of March 2022)\nz\n");
    assert.equal(entries[0].date, "2023-03-10");
  });

  it("treats an H1 that only lists links as a section even if it is not in the list", () => {
    const { entries } = splitTilLog("# A (1 of May 2020)\ntext\n\n# Further links\n- https://example.org\n- [b](https://b.example)\n");
    assert.equal(entries.length, 1);
    assert.match(entries[0].body, /## Further links/);
  });

  it("parses heading shapes", () => {
    assert.deepEqual(parseEntryHeading("[ML] - Feature scaling (15 of November 2021)"), {
      title: "Feature scaling",
      tags: ["ML"],
      date: { day: 15, month: 11, year: 2021 },
      dateText: "15 of November 2021",
      warnings: [],
    });
    assert.deepEqual(parseEntryHeading("Title (December 3, 2021)").date, { month: 12, day: 3, year: 2021 });
    assert.deepEqual(parseEntryHeading("Title (2021-12-03)").date, { year: 2021, month: 12, day: 3 });
    assert.deepEqual(parseEntryHeading("3rd of Dec").date, { day: 3, month: 12, year: undefined });
    assert.equal(parseEntryHeading("Title (31 of November 2021)").date, undefined);
    assert.equal(parseEntryHeading("Happy (new) year").title, "Happy (new) year");
  });
});
