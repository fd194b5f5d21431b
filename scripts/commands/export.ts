/**
 * `til export <folder>`: every published entry written back as a markdown file with front matter,
 * its images beside it, so that `til import <folder>` packs every entry to the same CID again.
 *
 * Layout: `<folder>/<date>-<slug>.md`, images in `<folder>/images/<cid>/<name>` (links rewritten
 * to that path; packing takes the base name, so the entry directory comes out the same). A note
 * without a date gets `date: null`, which tells the importer not to fall back to git or mtime.
 * Messages go through the progress bar, which prints entry text terminal-safe (file names are
 * slugs of the title; failure messages may quote the entry).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TilSettings } from "#core/config.ts";
import { parseNote, serializeNote, rewriteImageDestinations } from "#core/entry/index.ts";
import { listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { connectChain, gatewayUrls } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { ProgressBar } from "../cli/progress.ts";
import { terminalJson } from "../cli/terminal-text.ts";
import { loadCatalog } from "./entry-catalog.ts";

export async function runExport(settings: TilSettings, folders: string[]): Promise<number> {
  if (folders.length !== 1) throw new CliError(EXIT_CODES.usage, "Name the folder to export into: npm run til -- export my-til");
  const out = path.resolve(folders[0]);
  const chain = await connectChain(settings);
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const entries = await loadCatalog(chain, blockstore, false);
    await mkdir(out, { recursive: true });
    const progress = new ProgressBar("exporting");
    const written = new Set<string>();
    const usedNames = new Set<string>();
    let failed = 0;
    for (const [i, entry] of entries.entries()) {
      // The latest version of each entry; the same content published by several authors once.
      if (written.has(entry.latestCid)) continue;
      try {
        const markdown = await exportEntry(blockstore, entry.latestCid, out, usedNames);
        written.add(entry.latestCid);
        progress.update({ done: i + 1, total: entries.length, current: markdown });
      } catch (error) {
        failed += 1;
        progress.log(`failed: ${entry.latestCid}: ${(error as Error).message}`);
      }
    }
    progress.finish();
    console.log(terminalJson({ exported: written.size, failed, folder: out }));
    return failed > 0 ? EXIT_CODES.verificationFailed : EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}

async function exportEntry(blockstore: VerifiedGatewayBlockstore, cid: string, out: string, usedNames: Set<string>): Promise<string> {
  const files = await listEntryFiles(blockstore, cid);
  const note = parseNote(new TextDecoder().decode(await readEntryFile(blockstore, cid, "index.md")));
  const imageFolder = `images/${cid}`;
  for (const file of files.filter((f) => f.startsWith("images/"))) {
    const target = path.join(out, imageFolder, file.slice("images/".length));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await readEntryFile(blockstore, cid, file));
  }
  const body = rewriteImageDestinations(note.body, (destination) =>
    files.includes(destination) ? `${imageFolder}/${destination.slice("images/".length)}` : undefined,
  );
  let text = serializeNote({ ...note, body });
  if (note.date === undefined) text = text.replace(/^(---\ntitle: .*\n)/, "$1date: null\n");
  const base = `${note.date ?? "undated"}-${slug(note.title)}`;
  let name = `${base}.md`;
  for (let n = 2; usedNames.has(name); n++) name = `${base}-${n}.md`;
  usedNames.add(name);
  await writeFile(path.join(out, name), text);
  return name;
}

function slug(title: string): string {
  const s = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return s || "entry";
}
