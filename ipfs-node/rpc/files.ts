/** `cat` and `ls`: read UnixFS files and list directories, as Kubo answers them. */
import { InvalidArgumentError } from "../errors.ts";
import { listDirectory, parseIpfsPath, resolveEntry } from "../ipfs-path.ts";
import type { IpfsStore } from "../store.ts";
import { boolOption, intOption, NdjsonStream, requiredArgs, sendJson, startStreamedOutput, type RpcRequest } from "./http-io.ts";

/** Link types as Kubo reports them in `ls` (unixfs.pb Data.DataType; raw leaves count as files). */
const KUBO_DIRECTORY_TYPE = 1;
const KUBO_FILE_TYPE = 2;

export function createCatRoute(store: IpfsStore) {
  return async function cat({ res, query, signal }: RpcRequest): Promise<void> {
    const paths = requiredArgs(query, "ipfs-path").map(parseIpfsPath);
    let offset = intOption(query, "offset") ?? 0;
    let remaining = intOption(query, "length") ?? Infinity;
    const entries = [];
    for (const path of paths) {
      const entry = await resolveEntry(store, path, signal);
      if (entry.type === "directory") throw new InvalidArgumentError("this dag node is a directory");
      if (entry.type === "object") throw new InvalidArgumentError("this dag node is not a UnixFS file");
      entries.push(entry);
    }
    startStreamedOutput(res, { "Content-Type": "text/plain", "X-Stream-Output": "1" });
    for (const entry of entries) {
      const size = Number(entry.size);
      if (offset >= size) {
        offset -= size;
        continue;
      }
      if (remaining <= 0) break;
      const length = Math.min(remaining, size - offset);
      for await (const chunk of entry.content({ offset, length, signal })) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
        signal.throwIfAborted();
      }
      remaining -= length;
      offset = 0;
    }
    res.end();
  };
}

export function createLsRoute(store: IpfsStore) {
  return async function ls({ res, query, signal }: RpcRequest): Promise<void> {
    const args = requiredArgs(query, "ipfs-path");
    const stream = boolOption(query, "stream", false);
    const objects = [];
    for (const arg of args) {
      const entry = await resolveEntry(store, parseIpfsPath(arg), signal);
      const links = [];
      for (const child of await listDirectory(store, entry, signal)) {
        links.push({
          Name: child.name,
          Hash: child.cid.toString(),
          Size: Number(child.size),
          Type: child.directory ? KUBO_DIRECTORY_TYPE : KUBO_FILE_TYPE,
          Target: "",
        });
      }
      objects.push({ Hash: arg, Links: links });
    }
    if (stream) {
      const output = new NdjsonStream(res);
      for (const object of objects) await output.write({ Objects: [object] });
      output.end();
      return;
    }
    sendJson(res, { Objects: objects });
  };
}
