/**
 * Fetching the http(s) images a note references at import, so the entry holds them and no longer
 * depends on another site (browser-safe: `fetch` only). Bounded: a timeout per image (the whole
 * fetch, redirects and body included), at most {@link MAX_IMAGE_REDIRECTS} redirects followed one
 * by one, and a body read with a byte cap (the largest entry, MAX_ENTRY_BYTES): the download is
 * cancelled as soon as it is over, never buffered whole. What comes back must pass checkImage.
 * A failed fetch keeps the remote link, with a warning.
 */
import { concatBytes } from "../bytes.ts";
import { checkImage } from "../entry/image-check.ts";
import { findImageReferences } from "../entry/markdown-scan.ts";
import { MAX_ENTRY_BYTES } from "../entry/limits.ts";
import type { Warning } from "../entry/warnings.ts";

/** Redirects followed per image. */
const MAX_IMAGE_REDIRECTS = 5;
/** Default time allowed for one image, in milliseconds. */
const DEFAULT_IMAGE_TIMEOUT_MS = 15_000;

export interface FetchRemoteImagesOptions {
  /** Milliseconds per image (default {@link DEFAULT_IMAGE_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Largest image in bytes (default MAX_ENTRY_BYTES). */
  maxBytes?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** Why one image could not be fetched. */
class RemoteImageError extends Error {
  static name = "RemoteImageError";
  /** True when the image arrived but its bytes are not a real (or a safe) image. */
  readonly refused: boolean;
  constructor(message: string, options: { refused?: boolean } = {}) {
    super(message);
    this.name = "RemoteImageError";
    this.refused = options.refused ?? false;
  }
}

/**
 * Fetch every http(s) image `body` references (markdown image syntax), keyed by the URL as
 * written, ready for packEntry's `images`. Failures are warnings; their links stay remote. The
 * byte cap holds for all of a note's images together, as it does for the packed entry.
 */
export async function fetchRemoteImages(body: string, warnings: Warning[], options: FetchRemoteImagesOptions = {}): Promise<Map<string, Uint8Array>> {
  const images = new Map<string, Uint8Array>();
  let budget = options.maxBytes ?? MAX_ENTRY_BYTES;
  for (const { destination } of findImageReferences(body)) {
    if (!/^https?:\/\//i.test(destination)) continue;
    try {
      if (budget <= 0) throw new RemoteImageError("the note's other images already fill an entry");
      const bytes = await fetchImage(destination, { ...options, maxBytes: budget });
      const check = checkImage(bytes);
      if (!check.ok) throw new RemoteImageError(`it is ${check.reason}`, { refused: true });
      images.set(destination, bytes);
      budget -= bytes.byteLength;
    } catch (error) {
      const reason = error instanceof RemoteImageError ? error.message : `the request failed (${(error as Error).message})`;
      warnings.push({
        code: error instanceof RemoteImageError && error.refused ? "image-refused" : "image-remote-failed",
        image: destination,
        message: `remote image "${destination}" not packed: ${reason}; the remote link is kept (--keep-remote-images skips fetching)`,
      });
    }
  }
  return images;
}

/**
 * GET one URL within the bounds above and return its body.
 * @throws RemoteImageError on a timeout, too many redirects, an HTTP error or a body over the limit
 */
export async function fetchImage(url: string, options: FetchRemoteImagesOptions = {}): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_ENTRY_BYTES;
  const doFetch = options.fetch ?? fetch;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let current = url;
    for (let redirects = 0; ; redirects++) {
      let response: Response;
      try {
        response = await doFetch(current, { redirect: "manual", signal: controller.signal, headers: { accept: "image/*" } });
      } catch (error) {
        if (controller.signal.aborted) throw new RemoteImageError(`no answer within ${timeoutMs / 1000} s`);
        throw error;
      }
      if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
        await response.body?.cancel().catch(() => {});
        if (redirects >= MAX_IMAGE_REDIRECTS) throw new RemoteImageError(`more than ${MAX_IMAGE_REDIRECTS} redirects`);
        const next = new URL(response.headers.get("location")!, current);
        if (next.protocol !== "http:" && next.protocol !== "https:") throw new RemoteImageError(`redirected to a ${next.protocol} URL`);
        current = next.href;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new RemoteImageError(`the server answered HTTP ${response.status}`);
      }
      const declared = Number(response.headers.get("content-length") ?? NaN);
      if (declared > maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new RemoteImageError(`it is ${declared} bytes, more than an entry may hold (${maxBytes})`);
      }
      return await readCapped(response, maxBytes, controller, timeoutMs);
    }
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(response: Response, maxBytes: number, controller: AbortController, timeoutMs: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        controller.abort();
        throw new RemoteImageError(`it is more than ${maxBytes} bytes, more than an entry may hold; the download was stopped`);
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof RemoteImageError) throw error;
    if (controller.signal.aborted) throw new RemoteImageError(`no complete answer within ${timeoutMs / 1000} s`);
    throw error;
  }
  return concatBytes(chunks);
}
