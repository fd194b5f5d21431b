/** `pin/add`, `pin/ls`, `pin/rm`: Kubo's pin commands over the store's Helia pins. */
import { forEachConcurrently } from "#core/concurrency.ts";
import { InvalidArgumentError, NotPinnedError } from "../errors.ts";
import { parseIpfsPath, resolveEntry } from "../ipfs-path.ts";
import type { IpfsStore, PinKind } from "../store.ts";
import { boolOption, NdjsonStream, requiredArgs, sendJson, type RpcRequest } from "./http-io.ts";

/** How often `pin add --progress` reports the blocks walked so far (Kubo ticks every 500 ms too). */
const PROGRESS_INTERVAL_MS = 500;
/**
 * The paths of one `pin add` pinned at once. Kubo pins them one after another; here a client that
 * sends several roots per request (`til mirror`) gets their fetches overlapped, and pays the
 * request's cost once for all of them (bench:network).
 */
const PATHS_PINNED_AT_ONCE = 16;

export function createPinAddRoute(store: IpfsStore) {
  return async function pinAdd({ res, query, signal }: RpcRequest): Promise<void> {
    const recursive = boolOption(query, "recursive", true);
    const progress = boolOption(query, "progress", false);
    // with progress, {"Progress": blocks} lines while the DAG is walked (and fetched), as Kubo
    const output = progress ? new NdjsonStream(res) : undefined;
    let blocks = 0;
    let reported = 0;
    const ticker = output
      ? setInterval(() => {
          if (blocks === reported) return;
          reported = blocks;
          void output.write({ Progress: blocks });
        }, PROGRESS_INTERVAL_MS)
      : undefined;
    const args = requiredArgs(query, "ipfs-path");
    const pinned: string[] = new Array(args.length);
    try {
      // the paths are pinned several at once (their fetches overlap), listed in their order; the
      // first failure is the answer, as Kubo's (pins already under way still finish)
      await forEachConcurrently(args, PATHS_PINNED_AT_ONCE, async (arg, index) => {
        const path = parseIpfsPath(arg);
        const cid = path.segments.length === 0 ? path.root : (await resolveEntry(store, path, signal)).cid;
        await store.pin(cid, recursive, signal, () => blocks++);
        pinned[index] = cid.toString();
      });
    } finally {
      clearInterval(ticker);
    }
    if (output) {
      await output.write({ Pins: pinned, Progress: blocks });
      output.end();
      return;
    }
    sendJson(res, { Pins: pinned });
  };
}

export function createPinRmRoute(store: IpfsStore) {
  return async function pinRm({ res, query, signal }: RpcRequest): Promise<void> {
    const recursive = boolOption(query, "recursive", true);
    const removed: string[] = [];
    for (const arg of requiredArgs(query, "ipfs-path")) {
      const path = parseIpfsPath(arg);
      const cid = path.segments.length === 0 ? path.root : (await resolveEntry(store, path, signal)).cid;
      await store.unpin(cid, recursive);
      removed.push(cid.toString());
    }
    sendJson(res, { Pins: removed });
  };
}

const PIN_TYPES: Record<string, PinKind[]> = {
  all: ["recursive", "direct", "indirect"],
  recursive: ["recursive"],
  direct: ["direct"],
  indirect: ["indirect"],
};

export function createPinLsRoute(store: IpfsStore) {
  return async function pinLs({ res, query }: RpcRequest): Promise<void> {
    const typeName = query.get("type") || "all";
    const kinds = PIN_TYPES[typeName];
    if (!kinds) throw new InvalidArgumentError(`invalid type '${typeName}', must be one of {direct, indirect, recursive, all}`);
    const stream = boolOption(query, "stream", false);
    const found: Array<{ cid: string; type: PinKind }> = [];
    const args = query.getAll("arg").filter(Boolean);
    if (args.length > 0) {
      for (const arg of args) {
        const cid = parseIpfsPath(arg).root;
        const status = await store.pinStatus(cid);
        if (!status || !kinds.includes(status)) throw new NotPinnedError(cid.toString());
        found.push({ cid: cid.toString(), type: status });
      }
    } else {
      const output = stream ? new NdjsonStream(res) : undefined;
      for await (const pin of store.listPins(new Set(kinds))) {
        if (output) await output.write({ Cid: pin.cid.toString(), Type: pin.type });
        else found.push({ cid: pin.cid.toString(), type: pin.type });
      }
      if (output) return output.end();
    }
    if (stream) {
      const output = new NdjsonStream(res);
      for (const pin of found) await output.write({ Cid: pin.cid, Type: pin.type });
      return output.end();
    }
    sendJson(res, { Keys: Object.fromEntries(found.map((pin) => [pin.cid, { Type: pin.type }])) });
  };
}
