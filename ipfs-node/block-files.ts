/**
 * Blocks as files, in blockstore-fs's layout (`<BASE32 multihash>.data` in a folder named by its
 * next-to-last two characters), so existing repos stay readable. Written here rather than through
 * blockstore-fs because the node needs what it does not give:
 * - a read never leaves a file open: each block is read whole (open, read, close) and an abort
 *   only stops the next read, never an open in flight (blockstore-fs races `open` against the
 *   signal and leaves the losing handle to the garbage collector);
 * - a write goes to a temporary file of its own, then is renamed, so two writes of one block never
 *   share a temporary name, and every write gives the block a fresh modification time, which gc
 *   uses to tell blocks written by an add still in flight (see {@link BlockFiles.removeUnlessNewer});
 * - listing streams folder by folder (`opendir`), never holding the whole repo's names.
 */
import { existsSync, readFileSync } from "node:fs";
import { link, mkdir, opendir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { base32upper } from "multiformats/bases/base32";
import * as Digest from "multiformats/hashes/digest";
import type { MultihashDigest } from "multiformats/hashes/interface";

const EXTENSION = ".data";
const IDENTITY = 0x00;
/** A block gc is removing: renamed first, so an add writing it again at that moment is seen. */
const TRASH_SUFFIX = ".gc-trash";

export class BlockFiles {
  readonly root: string;
  readonly #folders = new Set<string>();
  #writes = 0;

  constructor(root: string) {
    this.root = root;
  }

  async open(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /** The block's bytes; an identity multihash holds them itself. Rejects with ENOENT if absent. */
  async get(multihash: MultihashDigest): Promise<Uint8Array> {
    if (multihash.code === IDENTITY) return multihash.digest;
    return readFile(this.#file(multihash));
  }

  async has(multihash: MultihashDigest): Promise<boolean> {
    if (multihash.code === IDENTITY) return true;
    try {
      await stat(this.#file(multihash));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The block's bytes, or undefined if absent, read in one go (a few system calls, no turn of the
   * event loop between them): for callers that read many blocks one after another, where each
   * await of {@link get}'s open, stat, read and close waits on a loaded machine's scheduler
   * (Bitswap serves a peer's wants one at a time: see network/store-blockstore.ts). Blocks are
   * small (a chunk of at most about 1 MiB), and usually in the page cache.
   */
  getNow(multihash: MultihashDigest): Uint8Array | undefined {
    if (multihash.code === IDENTITY) return multihash.digest;
    try {
      return readFileSync(this.#file(multihash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** Whether the block is here, checked in one system call (see {@link getNow}). */
  hasNow(multihash: MultihashDigest): boolean {
    return multihash.code === IDENTITY || existsSync(this.#file(multihash));
  }

  /** Write (or write again, refreshing its modification time) one block. */
  async put(multihash: MultihashDigest, bytes: Uint8Array): Promise<void> {
    if (multihash.code === IDENTITY) return;
    const file = this.#file(multihash);
    const folder = path.dirname(file);
    if (!this.#folders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.#folders.add(folder);
    }
    const temporary = this.#temporary(file);
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, file);
    } catch (err) {
      await unlink(temporary).catch(() => {});
      throw err;
    }
  }

  #temporary(file: string): string {
    return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${this.#writes++}.tmp`);
  }

  /**
   * Remove a block unless its file was written at or after `keepFrom` (ms since the epoch, the
   * file system's clock). A newer file is left in place (never moved: a read of it meanwhile, say
   * by an add rewriting its DAG, finds it). An older one is renamed aside first and its time read
   * again there, so a write of the same block racing the removal either lands after the rename (a
   * new file, kept) or is the file renamed aside (then put back). True if the block was removed.
   */
  async removeUnlessNewer(file: string, keepFrom: number): Promise<boolean> {
    const writtenAt = await this.writtenAt(file);
    if (writtenAt === undefined || writtenAt >= keepFrom) return false;
    const trash = `${file}${TRASH_SUFFIX}`;
    try {
      await rename(file, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    const { mtimeMs } = await stat(trash);
    if (mtimeMs >= keepFrom) {
      await restore(trash, file);
      return false;
    }
    await unlink(trash);
    return true;
  }

  /** Modification time (ms) of a block file, or undefined if it is gone. */
  async writtenAt(file: string): Promise<number | undefined> {
    try {
      return (await stat(file)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** Every block file, streamed folder by folder: its path and multihash. */
  async *list(): AsyncGenerator<{ file: string; multihash: MultihashDigest }> {
    for await (const folder of await opendir(this.root)) {
      if (!folder.isDirectory()) continue;
      const folderPath = path.join(this.root, folder.name);
      for await (const entry of await opendir(folderPath)) {
        if (!entry.name.endsWith(EXTENSION) || entry.name.startsWith(".")) continue;
        let multihash: MultihashDigest;
        try {
          multihash = Digest.decode(base32upper.decode(entry.name.slice(0, -EXTENSION.length)));
        } catch {
          continue;
        }
        yield { file: path.join(folderPath, entry.name), multihash };
      }
    }
  }

  /** Number of blocks and their total size, streamed. */
  async stat(): Promise<{ count: number; bytes: number }> {
    let count = 0;
    let bytes = 0;
    for await (const { file } of this.list()) {
      try {
        bytes += (await stat(file)).size;
        count++;
      } catch {}
    }
    return { count, bytes };
  }

  /**
   * After a crash or a full disk: remove the temporary files of writes that never finished
   * (ours and blockstore-fs's `.<name>.tmp`), and put back blocks gc had renamed aside.
   */
  async cleanUp(): Promise<{ temporaryFiles: number; restored: number }> {
    let temporaryFiles = 0;
    let restored = 0;
    for await (const folder of await opendir(this.root)) {
      if (!folder.isDirectory()) continue;
      const folderPath = path.join(this.root, folder.name);
      for await (const entry of await opendir(folderPath)) {
        const file = path.join(folderPath, entry.name);
        if (entry.name.startsWith(".") && entry.name.endsWith(".tmp")) {
          await unlink(file).catch(() => {});
          temporaryFiles++;
        } else if (entry.name.endsWith(TRASH_SUFFIX)) {
          await restore(file, file.slice(0, -TRASH_SUFFIX.length));
          restored++;
        }
      }
    }
    return { temporaryFiles, restored };
  }

  #file(multihash: MultihashDigest): string {
    const name = base32upper.encode(multihash.bytes);
    return path.join(this.root, name.slice(-2), `${name}${EXTENSION}`);
  }
}

/** Put a block renamed aside back in place (a newer copy already there wins). */
async function restore(trash: string, file: string): Promise<void> {
  try {
    await link(trash, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  await unlink(trash);
}
