/**
 * Writes a built site into a folder incrementally: a file is written only when its bytes differ
 * from what is there, files the build no longer has are removed (and folders left empty), so a
 * rebuild after one new entry rewrites only the pages that list it. The folder must be empty or a
 * site written before (it holds `.til-site`): nothing else in it is ever removed.
 */
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { equalBytes } from "../bytes.ts";
import type { SiteFile } from "./model.ts";

/** The marker file of a site folder (also holds the last pin's root and node CIDs); never part of the site. */
const SITE_MARKER = ".til-site";

export class SiteFolderError extends Error {
  static name = "SiteFolderError";
  constructor(message: string) {
    super(message);
    this.name = "SiteFolderError";
  }
}

export interface WriteReport {
  written: number;
  unchanged: number;
  removed: number;
  /** Paths written (new or changed), sorted. */
  writtenPaths: string[];
}

async function listFiles(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for (const item of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${item.name}` : item.name;
    if (item.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

export async function writeSite(out: string, files: readonly SiteFile[]): Promise<WriteReport> {
  await mkdir(out, { recursive: true });
  const existing = await listFiles(out);
  if (existing.length > 0 && !existing.includes(SITE_MARKER)) {
    throw new SiteFolderError(
      `${out} is not empty and holds no ${SITE_MARKER}: build the site into an empty folder (or one a previous \`til site\` wrote), so nothing else gets removed.`,
    );
  }
  const wanted = new Set(files.map((f) => f.path));
  const report: WriteReport = { written: 0, unchanged: 0, removed: 0, writtenPaths: [] };
  for (const file of files) {
    const target = path.join(out, ...file.path.split("/"));
    const before = await readFile(target).catch(() => undefined);
    if (before && equalBytes(before, file.bytes)) {
      report.unchanged += 1;
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
    report.written += 1;
    report.writtenPaths.push(file.path);
  }
  for (const rel of existing) {
    if (rel === SITE_MARKER || wanted.has(rel)) continue;
    await rm(path.join(out, ...rel.split("/")));
    report.removed += 1;
    // Remove the folders this left empty, up to the site's root.
    for (let dir = path.dirname(path.join(out, ...rel.split("/"))); dir !== out && dir.startsWith(out); dir = path.dirname(dir)) {
      if ((await readdir(dir)).length > 0) break;
      await rmdir(dir);
    }
  }
  if (!existing.includes(SITE_MARKER)) await writeFile(path.join(out, SITE_MARKER), "{}\n");
  return report;
}

export interface SiteMarker {
  /** The root CID of the last pin of this folder. */
  root?: string;
  /** CIDs of every file and folder node the last pin's add reported. */
  nodes?: string[];
}

export async function readSiteMarker(out: string): Promise<SiteMarker> {
  try {
    return JSON.parse(await readFile(path.join(out, SITE_MARKER), "utf8")) as SiteMarker;
  } catch {
    return {};
  }
}

export async function writeSiteMarker(out: string, marker: SiteMarker): Promise<void> {
  await writeFile(path.join(out, SITE_MARKER), `${JSON.stringify(marker)}\n`);
}
