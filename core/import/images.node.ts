/**
 * Reading the local images a note references from disk (Node only).
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { findImageReferences } from "../entry/markdown-scan.ts";
import { MAX_ENTRY_BYTES } from "../entry/pack.ts";

/**
 * Read every local image `body` references, relative to `baseDir`, keyed by the destination as
 * written (what packEntry expects). Images outside `rootDir`, missing, or larger than an entry
 * may be are skipped with a warning; the link stays as written.
 */
export async function readLocalImages(body: string, baseDir: string, rootDir: string, warnings: string[]): Promise<Map<string, Uint8Array>> {
  const images = new Map<string, Uint8Array>();
  for (const reference of findImageReferences(body)) {
    if (!reference.local) continue;
    const destination = reference.destination;
    let decoded = destination.split(/[?#]/)[0];
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      // keep it as written
    }
    const file = resolve(baseDir, decoded);
    const fromRoot = relative(rootDir, file);
    if (fromRoot.startsWith("..") || isAbsolute(fromRoot)) {
      warnings.push(`image "${destination}" is outside ${rootDir}; not read`);
      continue;
    }
    try {
      const real = await realpath(file);
      const realFromRoot = relative(await realpath(rootDir), real);
      if (realFromRoot.startsWith("..") || isAbsolute(realFromRoot)) {
        warnings.push(`image "${destination}" links to a file outside ${rootDir}; not read`);
        continue;
      }
      const info = await stat(real);
      if (!info.isFile()) throw new Error("not a file");
      if (info.size > MAX_ENTRY_BYTES) {
        warnings.push(`image "${destination}" is ${info.size} bytes, more than an entry may hold (${MAX_ENTRY_BYTES}); not read`);
        continue;
      }
      images.set(destination, new Uint8Array(await readFile(real)));
    } catch {
      warnings.push(`image "${destination}" not found at ${file}; the link is kept, the rest is published`);
    }
  }
  return images;
}
