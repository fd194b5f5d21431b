/**
 * The pin requests this node's pinning service accepted, one JSON file each in
 * `<repo>/pinning/requests/` (written to a temporary file, then renamed: a killed node leaves each
 * request whole, in its last state). Loaded whole at start: a node restarted mid-pin finds its
 * queued and pinning requests and finishes them.
 */
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Pin, PinStatusName } from "./spec.ts";
import { pinningFolder } from "./tokens.ts";

export interface PinRequestRecord {
  requestid: string;
  /** The token that made the request (its id): requests are visible only to it. */
  tokenId: string;
  status: PinStatusName;
  created: string;
  /** The request's Pin, origins included (needed to finish a pin after a restart). */
  pin: Pin;
  info?: Record<string, string>;
  /** Bytes of the pinned DAG (every block once), counted against the token's quota. */
  dagSize?: number;
  /** The CID was pinned on this node before this request: removing the request leaves it pinned. */
  pinnedBefore?: boolean;
  /** Replaced by another request (POST /pins/{id}); removed once the new one is pinned or failed. */
  replacedBy?: string;
}

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class PinRequestStore {
  readonly folder: string;
  readonly #records = new Map<string, PinRequestRecord>();
  #lastCreated = 0;

  private constructor(folder: string) {
    this.folder = folder;
  }

  static async open(repoPath: string): Promise<PinRequestStore> {
    const store = new PinRequestStore(path.join(pinningFolder(repoPath), "requests"));
    await mkdir(store.folder, { recursive: true, mode: 0o700 });
    for (const name of await readdir(store.folder)) {
      const file = path.join(store.folder, name);
      if (name.endsWith(".tmp")) {
        await unlink(file).catch(() => {});
        continue;
      }
      if (!REQUEST_ID.test(name.replace(/\.json$/, ""))) continue;
      let record: PinRequestRecord;
      try {
        record = JSON.parse(await readFile(file, "utf8")) as PinRequestRecord;
      } catch (err) {
        // files are renamed into place whole; one that does not parse was damaged outside the node
        console.error(`pinning service: skipped ${file}: ${(err as Error).message}`);
        continue;
      }
      store.#records.set(record.requestid, record);
      store.#lastCreated = Math.max(store.#lastCreated, Date.parse(record.created));
    }
    return store;
  }

  /** Read-only access for tools that only count (`til ipfs pinning-token ls`). */
  static async read(repoPath: string): Promise<PinRequestRecord[]> {
    try {
      return [...(await PinRequestStore.open(repoPath)).all()];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  get(requestid: string): PinRequestRecord | undefined {
    return this.#records.get(requestid);
  }

  all(): IterableIterator<PinRequestRecord> {
    return this.#records.values();
  }

  /** A creation time later than every other one (the spec paginates by `created`, so each is unique). */
  nextCreated(): string {
    const now = Math.max(Date.now(), this.#lastCreated + 1);
    this.#lastCreated = now;
    return new Date(now).toISOString();
  }

  async put(record: PinRequestRecord): Promise<void> {
    if (!REQUEST_ID.test(record.requestid)) throw new Error(`bad request id ${record.requestid}`);
    const file = path.join(this.folder, `${record.requestid}.json`);
    const temporary = `${file}.tmp`;
    await writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
    await rename(temporary, file);
    this.#records.set(record.requestid, record);
  }

  async remove(requestid: string): Promise<void> {
    await unlink(path.join(this.folder, `${requestid}.json`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    this.#records.delete(requestid);
  }
}
