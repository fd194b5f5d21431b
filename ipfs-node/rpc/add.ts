/**
 * `POST /api/v0/add`: multipart files in, Kubo's NDJSON out (`{"Name","Hash","Size"}` per file and
 * directory, `{"Name","Bytes"}` progress lines with `progress=true`), the same CIDs Kubo computes.
 */
import type { ImportCandidate, ImportResult } from "ipfs-unixfs-importer";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { InvalidArgumentError, UnsupportedError } from "../errors.ts";
import { KuboImporterOptionError, kuboImporterOptions } from "../../core/unixfs/kubo-importer.ts";
import type { IpfsStore } from "../store.ts";
import { boolOption, checkDeclaredLength, intOption, NdjsonStream, type RpcRequest } from "./http-io.ts";
import { multipartParts } from "./multipart.ts";

export function createAddRoute(store: IpfsStore) {
  return async function add({ req, res, query, signal, uploadLimitBytes }: RpcRequest): Promise<void> {
    checkDeclaredLength(req, uploadLimitBytes);
    const cidVersion = intOption(query, "cid-version");
    if (cidVersion !== undefined && cidVersion !== 0 && cidVersion !== 1) {
      throw new InvalidArgumentError(`unknown CID version: ${cidVersion}`);
    }
    const hash = query.get("hash");
    if (hash !== null && hash !== "" && hash !== "sha2-256") {
      throw new UnsupportedError(`hash function "${hash}" is not supported by this node; use sha2-256 (the default).`);
    }
    if (boolOption(query, "trickle", false)) throw new UnsupportedError("the trickle DAG layout is not supported by this node; leave trickle unset (balanced layout, Kubo's default).");
    if (boolOption(query, "inline", false)) throw new UnsupportedError("inline CIDs are not supported by this node; leave inline unset.");
    if (boolOption(query, "nocopy", false)) throw new UnsupportedError("the filestore (nocopy) is not supported by this node.");
    const rawLeavesParam = query.get("raw-leaves");
    const wrapWithDirectory = boolOption(query, "wrap-with-directory", false);
    const importerOptions = {
      ...kuboOptionsOrHttpError({
        cidVersion: cidVersion as 0 | 1 | undefined,
        rawLeaves: rawLeavesParam === null ? undefined : boolOption(query, "raw-leaves", false),
        chunker: query.get("chunker") ?? undefined,
        wrapWithDirectory,
      }),
      // parts arrive one after another on one connection: import them one at a time
      fileImportConcurrency: 1,
    };
    const onlyHash = boolOption(query, "only-hash", false);
    const pin = boolOption(query, "pin", true);
    const progress = boolOption(query, "progress", false);
    const output = new NdjsonStream(res);

    let progressWrite: Promise<void> = Promise.resolve();
    const directoryPaths: string[] = [];
    const otherPaths: string[] = [];
    const results = await store.importAndPin(
      candidatesFrom(multipartParts(req, uploadLimitBytes), directoryPaths, otherPaths),
      {
        ...importerOptions,
        onlyHash,
        pin,
        signal,
        onProgress: progress
          ? (event: { type: string; detail: unknown }) => {
              if (event.type !== "unixfs:importer:progress:file:read") return;
              const detail = event.detail as { bytesRead: bigint; path?: string };
              progressWrite = progressWrite.then(() => output.write({ Name: detail.path ?? "", Bytes: Number(detail.bytesRead) }));
            }
          : undefined,
      },
      async (result) => {
        await progressWrite;
        await output.write({ Name: displayName(result), Hash: result.cid.toString(), Size: String(result.size) });
      },
      (all) => importRoots(all, wrapWithDirectory),
    );
    if (results.length === 0) throw new InvalidArgumentError("no files were given: send the content as multipart/form-data parts");
    // the importer builds empty directories into the tree but does not report them; Kubo does
    const reported = new Set(results.map((result) => result.path));
    const emptyDirectory = await emptyDirectoryNode(importerOptions.cidVersion ?? 0);
    for (const path of directoryPaths) {
      const isEmpty = ![...directoryPaths, ...otherPaths].some((other) => other.startsWith(`${path}/`));
      if (isEmpty && !reported.has(path)) await output.write({ Name: path, Hash: emptyDirectory.cid.toString(), Size: String(emptyDirectory.size) });
    }
    output.end();
  };
}

/** Kubo names an unnamed single file by its CID, and the wrapping directory "". */
function displayName(result: ImportResult): string {
  if (result.path === undefined) return result.cid.toString();
  return result.path;
}

/** What Kubo pins after an add: the wrapping directory, or each top-level file and directory. */
export function importRoots(results: ImportResult[], wrapWithDirectory: boolean): CID[] {
  if (wrapWithDirectory) return results.slice(-1).map((result) => result.cid);
  return results.filter((result) => result.path === undefined || result.path === "" || !result.path.replace(/^\/+/, "").includes("/")).map((result) => result.cid);
}

async function* candidatesFrom(
  parts: AsyncIterable<{ path: string; directory: boolean; content?: AsyncIterable<Uint8Array> | Uint8Array }>,
  directoryPaths: string[],
  otherPaths: string[],
): AsyncGenerator<ImportCandidate> {
  for await (const part of parts) {
    const path = part.path === "" ? undefined : part.path;
    if (part.directory) {
      if (path === undefined) throw new InvalidArgumentError("a directory part needs a name");
      directoryPaths.push(path.replace(/^\/+|\/+$/g, ""));
      yield { path };
    } else {
      if (path !== undefined) otherPaths.push(path.replace(/^\/+/, ""));
      yield { path, content: part.content ?? new Uint8Array(0) };
    }
  }
}

/** An empty UnixFS directory node (Kubo: QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn for CIDv0). */
async function emptyDirectoryNode(cidVersion: 0 | 1): Promise<{ cid: CID; size: number }> {
  const block = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: "directory" }).marshal(), Links: [] }));
  return { cid: CID.create(cidVersion, dagPb.code, await sha256.digest(block)), size: block.length };
}

/** Kubo's importer options, with a bad option turned into the node's 400 errors. */
function kuboOptionsOrHttpError(options: Parameters<typeof kuboImporterOptions>[0]): ReturnType<typeof kuboImporterOptions> {
  try {
    return kuboImporterOptions(options);
  } catch (error) {
    if (error instanceof KuboImporterOptionError) throw error.unsupported ? new UnsupportedError(error.message) : new InvalidArgumentError(error.message);
    throw error;
  }
}
