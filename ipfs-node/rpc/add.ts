/**
 * `POST /api/v0/add`: multipart files in, Kubo's NDJSON out (`{"Name","Hash","Size"}` per file and
 * directory, `{"Name","Bytes"}` progress lines with `progress=true`), the same CIDs Kubo computes.
 *
 * No false success: a file's line is only worth something once its blocks are stored and its root
 * pinned, which the store confirms at the end of the add. So the lines are held back until then
 * (bounded, see {@link HELD_OUTPUT_BYTES}), and a failed write or pin is Kubo's 500 error answer,
 * which every client sees. Once the answer has started (progress lines, or more lines than are
 * held) a failure ends it with the `X-Stream-Error` trailer, as Kubo's streamed answers do.
 */
import type { ImportCandidate, ImportResult } from "ipfs-unixfs-importer";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { InvalidArgumentError, UnsupportedError } from "../errors.ts";
import { KuboImporterOptionError, kuboImporterOptions } from "#core/unixfs/kubo-importer.ts";
import type { MultihashHasher } from "multiformats/hashes/interface";
import { SUPPORTED_MULTIHASH_NAMES } from "#core/multihash.ts";
import { hasherNamed, isKnownMultihashName } from "../multihash.ts";
import { DagRehasher } from "./rehash-dag.ts";
import type { IpfsStore } from "../store.ts";
import { boolOption, checkDeclaredLength, goIntegerOption, intOption, NdjsonStream, type RpcRequest } from "./http-io.ts";
import { multipartParts, requireMultipartBody, type MultipartPart } from "./multipart.ts";

/** The hash functions add builds DAGs with (Kubo's `--hash`). */
/** Output lines held back until the add is stored and pinned; past this they stream. */
const HELD_OUTPUT_BYTES = 1024 * 1024;

/** UnixFS metadata an add stores, from the query (`mode`, `mtime`) or each part (`preserve-*`). */
interface MetadataOptions {
  mode?: number;
  mtime?: { secs: bigint; nsecs?: number };
  preserveMode: boolean;
  preserveMtime: boolean;
}

export function createAddRoute(store: IpfsStore) {
  return async function add({ req, res, query, signal, uploadLimitBytes }: RpcRequest): Promise<void> {
    requireMultipartBody(req, "path");
    checkDeclaredLength(req, uploadLimitBytes);
    const cidVersion = intOption(query, "cid-version");
    if (cidVersion !== undefined && cidVersion !== 0 && cidVersion !== 1) {
      throw new InvalidArgumentError(`unknown CID version: ${cidVersion}`);
    }
    const hash = (query.get("hash") ?? "").toLowerCase() || "sha2-256";
    if (!isKnownMultihashName(hash)) throw new InvalidArgumentError(`unrecognized hash function: "${hash}"`);
    if (!SUPPORTED_MULTIHASH_NAMES.includes(hash))
      throw new UnsupportedError(`hash function "${hash}" is not supported by add on this node; use sha2-256 (the default), sha2-512 or blake3.`);
    // Kubo: another hash than sha2-256 means CIDv1 (and so raw leaves by default)
    const rehashWith = hash === "sha2-256" ? undefined : hasherNamed(hash);
    if (rehashWith && cidVersion === 0) throw new InvalidArgumentError("CIDv0 only supports sha2-256");
    if (boolOption(query, "trickle", false))
      throw new UnsupportedError("the trickle DAG layout is not supported by this node; leave trickle unset (balanced layout, Kubo's default).");
    if (boolOption(query, "inline", false)) throw new UnsupportedError("inline CIDs are not supported by this node; leave inline unset.");
    if (boolOption(query, "nocopy", false)) throw new UnsupportedError("the filestore (nocopy) is not supported by this node.");
    if (query.has("to-files"))
      throw new UnsupportedError("to-files is not supported by this node: it has no Files API (MFS); add without it and keep the CID.");
    const metadata = metadataOptions(query);
    const withMetadata = metadata.preserveMode || metadata.preserveMtime || metadata.mode !== undefined || metadata.mtime !== undefined;
    const rawLeavesParam = query.get("raw-leaves");
    const wrapWithDirectory = boolOption(query, "wrap-with-directory", false);
    const maxFileLinks = goIntegerOption(query, "max-file-links", "uint");
    const maxHamtFanout = goIntegerOption(query, "max-hamt-fanout", "uint");
    const importerOptions = {
      ...kuboOptionsOrHttpError({
        cidVersion: rehashWith ? 1 : (cidVersion as 0 | 1 | undefined),
        rawLeaves: rawLeavesParam === null ? undefined : boolOption(query, "raw-leaves", false),
        chunker: query.get("chunker") ?? undefined,
        wrapWithDirectory,
        maxFileLinks: maxFileLinks === undefined ? undefined : Number(maxFileLinks),
        maxHamtFanout: maxHamtFanout === undefined ? undefined : Number(maxHamtFanout),
        withMetadata,
      }),
      // parts arrive one after another on one connection: import them one at a time
      fileImportConcurrency: 1,
    };
    const onlyHash = boolOption(query, "only-hash", false);
    if (onlyHash && rehashWith)
      throw new UnsupportedError(`only-hash with hash function "${hash}" is not supported by this node; add the content, or use sha2-256.`);
    const pin = boolOption(query, "pin", true);
    const progress = boolOption(query, "progress", false);
    const includeEmptyDirectories = boolOption(query, "empty-dirs", true);
    const output = new AddOutput(new NdjsonStream(res), progress);
    // with another hash, the lines wait for the rewritten DAG (see rehash-dag.ts)
    const imported: ImportResult[] = [];

    let progressWrite: Promise<void> = Promise.resolve();
    const parts = new PartLog();
    // with another hash, the import, the rewrite and the pin are one write session: gc keeps
    // the blocks of each step (the sha2-256 ones the rewrite reads included) until the pin is recorded
    const storeAll = async (): Promise<ImportResult[]> => {
      const results = await store.importAndPin(
        candidatesFrom(multipartParts(req, uploadLimitBytes), metadata, includeEmptyDirectories, parts),
        {
          ...importerOptions,
          onlyHash,
          pin: pin && !rehashWith,
          signal,
          onProgress: progress
            ? (event: { type: string; detail: unknown }) => {
                if (event.type !== "unixfs:importer:progress:file:read") return;
                const detail = event.detail as { bytesRead: bigint; path?: string };
                progressWrite = progressWrite.then(() => output.progress(detail.path ?? "", Number(detail.bytesRead)));
              }
            : undefined,
        },
        async (result) => {
          await progressWrite;
          if (rehashWith) imported.push(result);
          else await output.result(result);
        },
        (all) => importRoots(all, wrapWithDirectory),
      );
      if (results.length === 0) throw new InvalidArgumentError("expected a file argument");
      if (rehashWith) {
        const rehasher = new DagRehasher(store, rehashWith, signal);
        const rehashed: ImportResult[] = [];
        for (const result of imported) {
          const node = await rehasher.rehash(result.cid);
          rehashed.push({ ...result, cid: node.cid, size: BigInt(node.cumulativeSize) });
        }
        if (pin) for (const root of importRoots(rehashed, wrapWithDirectory)) await store.pin(root, true, signal);
        for (const result of rehashed) await output.result(result);
      }
      return results;
    };
    const results = rehashWith ? await store.writeSession(storeAll) : await storeAll();
    // the importer builds empty directories into the tree but does not report them; Kubo does
    const reported = new Set(results.map((result) => result.path));
    for (const directory of parts.emptyDirectories()) {
      if (reported.has(directory.path)) continue;
      const node = await emptyDirectoryNode(importerOptions.cidVersion ?? 0, directory, rehashWith ?? sha256);
      output.directory({ Name: directory.path, Hash: node.cid.toString(), Size: String(node.size) });
    }
    await output.end();
  };
}

/**
 * The lines of one add, in Kubo's order: files as they are added, then every directory after
 * everything inside it, siblings by name (Kubo walks its MFS tree that way), so the root comes
 * last, where `add -Q` and kubo-rpc-client's `add()` take it.
 */
class AddOutput {
  readonly #stream: NdjsonStream;
  #streaming: boolean;
  #held: unknown[] = [];
  #heldBytes = 0;
  readonly #directories: Array<{ Name: string; Hash: string; Size: string }> = [];

  constructor(stream: NdjsonStream, streamAtOnce: boolean) {
    this.#stream = stream;
    this.#streaming = streamAtOnce;
  }

  async progress(name: string, bytes: number): Promise<void> {
    await this.#line({ Name: name, Bytes: bytes });
  }

  async result(result: ImportResult): Promise<void> {
    const line = { Name: displayName(result), Hash: result.cid.toString(), Size: String(result.size) };
    if (result.unixfs?.isDirectory() === true) this.directory(line);
    else await this.#line(line);
  }

  directory(line: { Name: string; Hash: string; Size: string }): void {
    this.#directories.push(line);
  }

  /** The add is stored and pinned: send what is held, then the directories. */
  async end(): Promise<void> {
    this.#directories.sort((a, b) => kuboDirectoryOrder(a.Name, b.Name));
    for (const line of this.#directories) await this.#line(line);
    await this.#flush();
    this.#stream.end();
  }

  async #line(value: unknown): Promise<void> {
    if (this.#streaming) return this.#stream.write(value);
    this.#held.push(value);
    this.#heldBytes += JSON.stringify(value).length;
    if (this.#heldBytes > HELD_OUTPUT_BYTES) {
      this.#streaming = true;
      await this.#flush();
    }
  }

  async #flush(): Promise<void> {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const value of held) await this.#stream.write(value);
  }
}

/** Post-order with siblings by name (bytes, as Go compares strings): a directory after its contents. */
function kuboDirectoryOrder(a: string, b: string): number {
  const left = a === "" ? [] : a.split("/");
  const right = b === "" ? [] : b.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = Buffer.compare(Buffer.from(left[i]), Buffer.from(right[i]));
    if (order !== 0) return order;
  }
  return right.length - left.length;
}

/** Kubo names an unnamed single file by its CID, and the wrapping directory "". */
function displayName(result: ImportResult): string {
  if (result.path === undefined) return result.cid.toString();
  return result.path;
}

/** What Kubo pins after an add: the wrapping directory, or each top-level file and directory. */
function importRoots(results: ImportResult[], wrapWithDirectory: boolean): CID[] {
  if (wrapWithDirectory) return results.slice(-1).map((result) => result.cid);
  return results
    .filter((result) => result.path === undefined || result.path === "" || !result.path.replace(/^\/+/, "").includes("/"))
    .map((result) => result.cid);
}

function metadataOptions(query: URLSearchParams): MetadataOptions {
  const mode = goIntegerOption(query, "mode", "uint");
  const mtime = goIntegerOption(query, "mtime", "int64");
  const mtimeNsecs = goIntegerOption(query, "mtime-nsecs", "uint");
  // Kubo: a zero mode or mtime means none
  if ((mtime === undefined || mtime === 0n) && mtimeNsecs !== undefined && mtimeNsecs !== 0n) {
    throw new InvalidArgumentError(`option "mtime-nsecs" requires "mtime" to be provided as well`);
  }
  if (mtimeNsecs !== undefined && mtimeNsecs >= 1_000_000_000n) throw new InvalidArgumentError(`mtime-nsecs must be below 1000000000, got ${mtimeNsecs}`);
  return {
    mode: mode === undefined || mode === 0n ? undefined : Number(mode),
    mtime: mtime === undefined || mtime === 0n ? undefined : { secs: mtime, ...(mtimeNsecs ? { nsecs: Number(mtimeNsecs) } : {}) },
    preserveMode: boolOption(query, "preserve-mode", false),
    preserveMtime: boolOption(query, "preserve-mtime", false),
  };
}

/** Every part's path and kind, to find the directories that stayed empty. */
class PartLog {
  readonly #directories = new Map<string, Pick<MultipartPart, "mode" | "mtime">>();
  readonly #others: string[] = [];
  directory(path: string, metadata: Pick<MultipartPart, "mode" | "mtime">): void {
    this.#directories.set(path, metadata);
  }
  other(path: string): void {
    this.#others.push(path);
  }
  emptyDirectories(): Array<{ path: string } & Pick<MultipartPart, "mode" | "mtime">> {
    const all = [...this.#directories.keys(), ...this.#others];
    return [...this.#directories].filter(([path]) => !all.some((other) => other.startsWith(`${path}/`))).map(([path, metadata]) => ({ path, ...metadata }));
  }
}

async function* candidatesFrom(
  parts: AsyncIterable<MultipartPart>,
  metadata: MetadataOptions,
  includeEmptyDirectories: boolean,
  log: PartLog,
): AsyncGenerator<ImportCandidate> {
  // without empty directories, a directory part waits for the next part: clients send a
  // directory before its contents, so a directory the next part is not in is empty
  let pending: Array<{ path: string; candidate: ImportCandidate; metadata: Pick<MultipartPart, "mode" | "mtime"> }> = [];
  const releaseFor = function* (path: string | undefined): Generator<ImportCandidate> {
    const kept = pending.filter((directory) => path?.startsWith(`${directory.path}/`));
    pending = [];
    for (const directory of kept) {
      log.directory(directory.path, directory.metadata);
      yield directory.candidate;
    }
  };
  for await (const part of parts) {
    const path = part.path === "" ? undefined : part.path;
    // Kubo: a mode or mtime given for the add wins over preserve-mode / preserve-mtime
    const mode = metadata.mode ?? (metadata.preserveMode ? part.mode : undefined);
    const mtime = metadata.mtime ?? (metadata.preserveMtime ? part.mtime : undefined);
    const entryMetadata = { ...(mode !== undefined ? { mode } : {}), ...(mtime !== undefined ? { mtime } : {}) };
    if (!includeEmptyDirectories) yield* releaseFor(path);
    if (part.directory) {
      if (path === undefined) throw new InvalidArgumentError("a directory part needs a name");
      const candidate = { path, ...entryMetadata };
      if (includeEmptyDirectories) {
        log.directory(path, entryMetadata);
        yield candidate;
      } else {
        pending.push({ path, candidate, metadata: entryMetadata });
      }
    } else if (part.symlinkTarget !== undefined) {
      if (path === undefined) throw new InvalidArgumentError("a symlink part needs a name");
      log.other(path);
      // Kubo stores a symlink's modification time, not its mode
      yield { path, link: part.symlinkTarget, ...(mtime !== undefined ? { mtime } : {}) };
    } else {
      if (path !== undefined) log.other(path);
      yield { path, content: part.content ?? new Uint8Array(0), ...entryMetadata };
    }
  }
}

/** An empty UnixFS directory node (Kubo: QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn for CIDv0). */
async function emptyDirectoryNode(
  cidVersion: 0 | 1,
  metadata: Pick<MultipartPart, "mode" | "mtime">,
  hasher: MultihashHasher,
): Promise<{ cid: CID; size: number }> {
  const block = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: "directory", mode: metadata.mode, mtime: metadata.mtime }).marshal(), Links: [] }));
  return { cid: CID.create(cidVersion, dagPb.code, await hasher.digest(block)), size: block.length };
}

/** Kubo's importer options; a bad option fails the command (Kubo's 500). */
function kuboOptionsOrHttpError(options: Parameters<typeof kuboImporterOptions>[0]): ReturnType<typeof kuboImporterOptions> {
  try {
    return kuboImporterOptions(options);
  } catch (error) {
    if (error instanceof KuboImporterOptionError) throw error.unsupported ? new UnsupportedError(error.message) : new InvalidArgumentError(error.message);
    throw error;
  }
}
