import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { packEntry } from "#core/entry/index.ts";
import { importFolder, isSkippedSource, type ImportedNote, type ImportItem } from "#core/import/folder.node.ts";
import { gitFirstAddedDates } from "#core/import/git-dates.node.ts";
import { importSource } from "#core/import/source.node.ts";

const FOLDER_FIXTURE = fileURLToPath(new URL("../fixtures/til-folder", import.meta.url));
const LOG_FIXTURE = fileURLToPath(new URL("../fixtures/til-log/README.md", import.meta.url));
const MTIME = new Date("2020-02-02T12:00:00Z");

/** The notes an import yields (skipped files left out; see import-hygiene.test.ts). */
async function collect(source: AsyncIterable<ImportItem>): Promise<ImportedNote[]> {
  const out: ImportedNote[] = [];
  for await (const item of source) if (!isSkippedSource(item)) out.push(item);
  return out;
}

function git(cwd: string, args: string[], date?: string): void {
  execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    stdio: "ignore",
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}) },
  });
}

/** A copy of the folder fixture outside any git checkout, every file's mtime set to MTIME. */
async function copyFixture(parent: string): Promise<string> {
  const dir = join(parent, "notes");
  await cp(FOLDER_FIXTURE, dir, { recursive: true });
  for (const file of [
    "README.md",
    "broken-front-matter.md",
    "databases/indexes.md",
    "databases/postgres/vacuum.md",
    "javascript/closures.md",
    "日本語/ユニコード_の_正規化.md",
  ]) {
    await utimes(join(dir, file), MTIME, MTIME);
  }
  return dir;
}

describe("importFolder", () => {
  let temp: string;
  before(async () => {
    temp = await mkdtemp(join(tmpdir(), "til-import-"));
  });
  after(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it("imports one note per markdown file with folder tags, titles and mtime dates", async () => {
    const dir = await copyFixture(join(temp, "plain"));
    const items = await collect(importFolder(dir));
    const summary = items.map((item) => [item.sourcePath.slice(dir.length + 1), item.note.title, item.note.tags, item.note.date, item.dateSource]);
    assert.deepEqual(summary, [
      ["broken-front-matter.md", "Front matter that is not YAML", [], "2020-02-02", "mtime"],
      ["databases/indexes.md", "B-tree indexes keep keys sorted", ["databases"], "2020-02-02", "mtime"],
      ["databases/postgres/vacuum.md", "VACUUM reclaims space", ["databases", "postgres", "maintenance"], "2022-05-04", "front-matter"],
      ["javascript/closures.md", "Closures capture variables, not values", ["javascript"], "2020-02-02", "mtime"],
    ]);
    assert.ok(items[0].warnings.some((warning) => warning.code === "front-matter-invalid" && warning.message.includes("Invalid front matter")));
    const skipped: string[][] = [];
    for await (const item of importFolder(dir)) if (isSkippedSource(item)) skipped.push([item.sourcePath.slice(dir.length + 1), item.skipped]);
    assert.deepEqual(
      skipped,
      [
        ["README.md", "repository-document"],
        ["日本語/ユニコード_の_正規化.md", "no-title"],
      ],
      "the root README index and a note with no title are skipped, never named after the file",
    );
  });

  it("reads images relative to the file and warns about missing ones", async () => {
    const dir = await copyFixture(join(temp, "images"));
    const closures = (await collect(importFolder(dir))).find((item) => item.note.title.startsWith("Closures"))!;
    assert.deepEqual([...closures.images.keys()], ["img/arrow.svg"]);
    assert.deepEqual(closures.images.get("img/arrow.svg"), new Uint8Array(await readFile(join(dir, "javascript/img/arrow.svg"))));
    assert.ok(
      closures.warnings.some(
        (warning) => warning.code === "image-missing" && warning.image === "img/missing.png" && warning.message.includes('image "img/missing.png" not found'),
      ),
    );
    const packed = await packEntry(closures.note, { images: closures.images });
    assert.ok(packed.files.some((file) => file.path === "images/arrow.svg"));
    assert.equal(packed.warnings.length, 1);
  });

  it("does not read images outside the imported folder", async () => {
    const dir = join(temp, "outside", "notes");
    await mkdir(dir, { recursive: true });
    await writeFile(join(temp, "outside", "secret.png"), "secret");
    await writeFile(join(dir, "note.md"), "# Peek\n\n![x](../secret.png)\n");
    await symlink(join(temp, "outside", "secret.png"), join(dir, "link.png"));
    await writeFile(join(dir, "note2.md"), "# Peek through a link\n\n![x](link.png)\n");
    const items = await collect(importFolder(dir));
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.equal(item.images.size, 0);
      assert.ok(
        item.warnings.some((warning) => warning.code === "image-outside-root" && warning.message.includes("outside")),
        JSON.stringify(item.warnings),
      );
    }
  });

  it("dates files by their first commit in a git checkout, following renames", async () => {
    const dir = await copyFixture(join(temp, "git"));
    git(dir, ["init", "-q"]);
    git(dir, ["add", "."]);
    git(dir, ["commit", "-q", "-m", "first"], "2019-03-04T12:00:00Z");
    git(dir, ["mv", "databases/indexes.md", "databases/btree.md"]);
    await writeFile(join(dir, "later.md"), "# Added later\n");
    git(dir, ["add", "."]);
    git(dir, ["commit", "-q", "-m", "second"], "2019-06-07T12:00:00Z");
    await writeFile(join(dir, "untracked.md"), "# Not committed\n");
    await utimes(join(dir, "untracked.md"), MTIME, MTIME);

    const items = await collect(importFolder(dir));
    const dates = Object.fromEntries(items.map((item) => [item.sourcePath.slice(dir.length + 1), [item.note.date, item.dateSource]]));
    assert.deepEqual(dates, {
      "broken-front-matter.md": ["2019-03-04", "git"],
      "databases/btree.md": ["2019-03-04", "git"],
      "databases/postgres/vacuum.md": ["2022-05-04", "front-matter"],
      "javascript/closures.md": ["2019-03-04", "git"],
      "later.md": ["2019-06-07", "git"],
      "untracked.md": ["2020-02-02", "mtime"],
    });
  });

  it("keeps a note undated when its front matter says date: null (no git or mtime fallback)", async () => {
    const dir = join(temp, "undated");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "a.md"), '---\ntitle: "Undated"\ndate: null\n---\n\nText\n');
    await writeFile(join(dir, "b.md"), '---\ntitle: "Dated by mtime"\n---\n\nText\n');
    await utimes(join(dir, "b.md"), MTIME, MTIME);
    const items = await collect(importFolder(dir));
    assert.deepEqual(
      items.map((item) => [item.note.title, item.note.date, item.dateSource]),
      [
        ["Undated", undefined, "none"],
        ["Dated by mtime", "2020-02-02", "mtime"],
      ],
    );
  });

  it("finds git dates for a subfolder of a checkout", async () => {
    const repo = join(temp, "sub-repo");
    await mkdir(join(repo, "notes", "deep"), { recursive: true });
    await writeFile(join(repo, "notes", "deep", "a.md"), "# A\n");
    git(repo, ["init", "-q"]);
    git(repo, ["add", "."]);
    git(repo, ["commit", "-q", "-m", "a"], "2018-01-02T00:00:00Z");
    const [item] = await collect(importFolder(join(repo, "notes")));
    assert.deepEqual([item.note.date, item.note.tags], ["2018-01-02", ["deep"]]);
    assert.equal(await gitFirstAddedDates(join(temp, "plain")), undefined, "no git checkout, no dates");
  });

  it("imports thousands of files in one run", async () => {
    const dir = join(temp, "many");
    for (let folder = 0; folder < 20; folder++) {
      await mkdir(join(dir, `topic-${folder}`), { recursive: true });
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          writeFile(join(dir, `topic-${folder}`, `note-${String(i).padStart(3, "0")}.md`), `# Note ${folder}.${i}\n\nText ${i}.\n`),
        ),
      );
    }
    git(dir, ["init", "-q"]);
    git(dir, ["add", "."]);
    git(dir, ["commit", "-q", "-m", "many"], "2017-07-07T00:00:00Z");
    let count = 0;
    for await (const item of importFolder(dir)) {
      assert.ok(!isSkippedSource(item));
      assert.equal(item.note.date, "2017-07-07");
      count++;
    }
    assert.equal(count, 2000);
  });
});

describe("importSource", () => {
  it("splits a log file and reads its images relative to the file", async () => {
    const items = await collect(importSource(LOG_FIXTURE));
    assert.equal(items.length, 13);
    assert.ok(
      items[0].warnings.some((warning) => warning.code === "log-title-guessed" && warning.message.includes("taken as the log's title")),
      "document warnings come with the first entry",
    );
    const partial = items.find((item) => item.note.title === "Partial indexes in PostgreSQL")!;
    assert.deepEqual(partial.images.get("images/plan.png"), new Uint8Array(await readFile(join(LOG_FIXTURE, "../images/plan.png"))));
    assert.equal(partial.dateSource, "heading");
    assert.equal(partial.sourceLine, 24);
    const scaling = items.find((item) => item.note.title === "Feature scaling matters")!;
    assert.equal(scaling.images.size, 0);
    assert.ok(scaling.warnings.some((warning) => warning.code === "image-missing" && warning.message.includes('image "images/absent.png" not found')));
    const packed = await packEntry(scaling.note, { images: scaling.images });
    assert.match(new TextDecoder().decode(packed.files.find((file) => file.path === "index.md")!.content), /!\[loss curve\]\(images\/absent\.png\)/);
    assert.equal(items.find((item) => item.note.title.startsWith("Counting"))!.dateSource, "none");
  });

  it("dispatches a folder to importFolder", async () => {
    const temp = await mkdtemp(join(tmpdir(), "til-source-"));
    try {
      const dir = await copyFixture(temp);
      const fromSource = (await collect(importSource(dir))).map((item) => item.note);
      const fromFolder = (await collect(importFolder(dir))).map((item) => item.note);
      assert.deepEqual(fromSource, fromFolder);
      assert.equal(fromSource.length, 4);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
});
