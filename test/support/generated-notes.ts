/**
 * A folder of generated notes for benchmarks: front matter (title, date, tags), a list, inline
 * code, a fenced code block and a table each, so packing and rendering do real work.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** The tags generated notes draw from. */
const TAGS = [
  "rust",
  "go",
  "sql",
  "ipfs",
  "evm",
  "css",
  "linux",
  "git",
  "react",
  "testing",
  "http",
  "crypto",
  "math",
  "shell",
  "python",
  "design",
  "perf",
  "security",
  "unicode",
  "dns",
];

/** The two tags of note `i` (tests and benchmarks count on them): `TAGS[i % 20]` and `TAGS[7i % 20]`, the same one when `i % 10` is 0. */
export function tagsOfNote(i: number): [string, string] {
  return [TAGS[i % TAGS.length], TAGS[(i * 7) % TAGS.length]];
}

/** Writes `count` notes into a new temporary folder and returns its path. */
export async function generateNotes(count: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "til-bench-notes-"));
  for (let i = 1; i <= count; i++) {
    const tags = tagsOfNote(i);
    const date = new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const body = [
      `Entry number ${i}: something learned about ${tags.join(" and ")}.`,
      "",
      `- point one for ${i}`,
      `- point two, with \`inline code\``,
      "",
      "```ts",
      `export const value${i} = ${i} * 2;`,
      "```",
      "",
      `| key | value |\n|---|---|\n| n | ${i} |`,
      "",
    ].join("\n");
    await writeFile(
      path.join(dir, `note-${String(i).padStart(4, "0")}.md`),
      `---\ntitle: "TIL #${i}: ${tags[0]} detail"\ndate: ${date}\ntags: [${[...new Set(tags)].join(", ")}]\n---\n${body}`,
    );
  }
  return dir;
}
