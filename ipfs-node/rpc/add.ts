/**
 * `POST /api/v0/add`: multipart files in, Kubo's NDJSON out (`{"Name","Hash","Size"}` per file and
 * directory, `{"Name","Bytes"}` progress lines with `progress=true`), the same CIDs Kubo computes.
 */
import type { ImportCandidate, ImportResult } from "ipfs-unixfs-importer";
import type { CID } from "multiformats/cid";
import { InvalidArgumentError, UnsupportedError } from "../errors.ts";
import { kuboImporterOptions } from "../kubo-importer.ts";
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
      ...kuboImporterOptions({
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
    const results = await store.importAndPin(
      candidatesFrom(multipartParts(req, uploadLimitBytes)),
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

async function* candidatesFrom(parts: AsyncIterable<{ path: string; directory: boolean; content?: AsyncIterable<Uint8Array> | Uint8Array }>): AsyncGenerator<ImportCandidate> {
  for await (const part of parts) {
    const path = part.path === "" ? undefined : part.path;
    if (part.directory) {
      if (path === undefined) throw new InvalidArgumentError("a directory part needs a name");
      yield { path };
    } else {
      yield { path, content: part.content ?? new Uint8Array(0) };
    }
  }
}
