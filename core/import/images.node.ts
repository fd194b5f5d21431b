/**
 * Reading the images a note references (Node only): files beside the note from disk, and, unless
 * turned off, http(s) images over the network (remote-images.ts). Whatever is read must pass
 * checkImage (core/entry/image-check.ts); packEntry checks again.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { checkImage } from "../entry/image-check.ts";
import { findImageReferences } from "../entry/markdown-scan.ts";
import { MAX_ENTRY_BYTES } from "../entry/limits.ts";
import type { Warning } from "../entry/warnings.ts";
import { fetchRemoteImages, type FetchRemoteImagesOptions } from "./remote-images.ts";

export interface ReadImagesOptions {
  /** Fetch http(s) images and pack them (default: no, the links stay remote). */
  remote?: boolean | FetchRemoteImagesOptions;
}

/**
 * Every image `body` references that can be packed: local files (see readLocalImages) and, with
 * `remote`, fetched http(s) images (see fetchRemoteImages), keyed by destination as written.
 */
export async function readNoteImages(
  body: string,
  baseDir: string,
  rootDir: string,
  warnings: Warning[],
  options: ReadImagesOptions = {},
): Promise<Map<string, Uint8Array>> {
  const images = await readLocalImages(body, baseDir, rootDir, warnings);
  if (options.remote) {
    for (const [url, bytes] of await fetchRemoteImages(body, warnings, options.remote === true ? {} : options.remote)) images.set(url, bytes);
  }
  return images;
}

/**
 * Read every local image `body` references, relative to `baseDir`, keyed by the destination as
 * written (what packEntry expects). Images outside `rootDir`, hidden files (`.env`, a path
 * through a dot-folder), missing files, files larger than an entry may be, and files that are
 * not images (checkImage) are skipped with a warning; the link stays as written.
 */
export async function readLocalImages(body: string, baseDir: string, rootDir: string, warnings: Warning[]): Promise<Map<string, Uint8Array>> {
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
    if (decoded.split(/[/\\]/).some((part) => part.startsWith(".") && part !== "." && part !== "..")) {
      warnings.push({
        code: "image-hidden",
        image: destination,
        message: `image "${destination}" is a hidden file or inside a dot-folder; not read, never published`,
      });
      continue;
    }
    const file = resolve(baseDir, decoded);
    const fromRoot = relative(rootDir, file);
    if (fromRoot.startsWith("..") || isAbsolute(fromRoot)) {
      warnings.push({ code: "image-outside-root", image: destination, message: `image "${destination}" is outside ${rootDir}; not read` });
      continue;
    }
    try {
      const real = await realpath(file);
      const realFromRoot = relative(await realpath(rootDir), real);
      if (realFromRoot.startsWith("..") || isAbsolute(realFromRoot)) {
        warnings.push({ code: "image-outside-root", image: destination, message: `image "${destination}" links to a file outside ${rootDir}; not read` });
        continue;
      }
      const info = await stat(real);
      if (!info.isFile()) throw new Error("not a file");
      if (info.size > MAX_ENTRY_BYTES) {
        warnings.push({
          code: "image-too-large",
          image: destination,
          message: `image "${destination}" is ${info.size} bytes, more than an entry may hold (${MAX_ENTRY_BYTES}); not read`,
        });
        continue;
      }
      const bytes = new Uint8Array(await readFile(real));
      const check = checkImage(bytes);
      if (!check.ok) {
        warnings.push({
          code: "image-refused",
          image: destination,
          message: `image "${destination}" refused: ${check.reason}; not published, the link is kept as written`,
        });
        continue;
      }
      images.set(destination, bytes);
    } catch {
      warnings.push({
        code: "image-missing",
        image: destination,
        message: `image "${destination}" not found at ${file}; the link is kept, the rest is published`,
      });
    }
  }
  return images;
}
