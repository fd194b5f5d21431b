/**
 * Ready-made responses for small files, by content path and origin kind (see server.ts). Content
 * under /ipfs/ never changes, so a path always answers the same bytes and headers; the cache only
 * has to forget what garbage collection may have removed, which it does by remembering the store's
 * gc generation of each response.
 */

export interface SmallFileResponse {
  bytes: Uint8Array;
  contentType: string;
  /** The Content-Security-Policy the response carries, if any (every response but a site's own index.html has one). */
  contentSecurityPolicy: string | undefined;
  /** The content path, `/ipfs/<cid>/<path>`, for X-Ipfs-Path. */
  contentPath: string;
  etag: string;
  roots: string;
  /** The store's gc generation the bytes were read in. */
  generation: number;
}

export class SmallFileCache {
  readonly #budgetBytes: number;
  readonly #responses = new Map<string, SmallFileResponse>();
  #bytes = 0;

  constructor(budgetBytes: number) {
    this.#budgetBytes = budgetBytes;
  }

  get(path: string, generation: number): SmallFileResponse | undefined {
    const response = this.#responses.get(path);
    if (response === undefined) return undefined;
    if (response.generation !== generation) {
      this.#delete(path, response);
      return undefined;
    }
    return response;
  }

  set(path: string, response: SmallFileResponse): void {
    if (this.#responses.has(path) || response.bytes.byteLength > this.#budgetBytes / 16) return;
    this.#responses.set(path, response);
    this.#bytes += response.bytes.byteLength;
    for (const [oldest, old] of this.#responses) {
      if (this.#bytes <= this.#budgetBytes) break;
      this.#delete(oldest, old);
    }
  }

  #delete(path: string, response: SmallFileResponse): void {
    this.#responses.delete(path);
    this.#bytes -= response.bytes.byteLength;
  }
}
