/**
 * `til mirror --author ADDR | --all [--watch]`: keeps a writer's notes (or the whole registry)
 * alive on this machine. Every entry of the author, and every revision of those entries, read from
 * the registry's events, is pinned on the IPFS node through its `pin add` (several roots per
 * request), which fetches the blocks the node lacks from the IPFS network. Entries the node pins
 * already are skipped, so a stopped mirror is resumed by running it again. `--watch` then follows
 * new entries and revisions from the last block read. Each pass ends with one JSON line {entries,
 * pinned, alreadyPinned, failed, seconds}; a failed entry is named on stderr and tried again at
 * the next pass.
 */
import { setTimeout as delay } from "node:timers/promises";
import { forEachConcurrently } from "#core/concurrency.ts";
import { hostPortUrl, type TilSettings } from "#core/config.ts";
import type { Address } from "viem";
import { CID } from "multiformats/cid";
import { entryEvents } from "../chain/registry.ts";
import { connectChain, connectIpfs, IPFS_RPC_TIMEOUT_MS } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { ProgressBar } from "../cli/progress.ts";

export interface MirrorOptions {
  author?: string;
  all: boolean;
  watch: boolean;
  /** Seconds between polls with --watch (default 15). */
  interval?: string;
}

/**
 * Pins fetched at once (each may wait on the network): Bitswap sends the wants of all of them in
 * one message per round, so more at once means fewer messages per block (bench:network: 64 at
 * once measured 10-20% faster than 16; the node bounds the blocks fetched ahead by their size).
 */
export const PINS_AT_ONCE = 64;
/**
 * Roots asked per `pin/add` request (Kubo's command takes several paths). This node pins a
 * request's paths at once (ipfs-node/rpc/pins.ts), and a request costs both ends more CPU than a
 * small entry's blocks do: 8 per request mirrored 20-25% faster than one (bench:network's setup,
 * 1,000 entries). Kubo pins a request's paths one after another, so it still has
 * PINS_AT_ONCE / PINS_PER_REQUEST pins under way.
 */
export const PINS_PER_REQUEST = 8;

export async function runMirror(settings: TilSettings, options: MirrorOptions): Promise<number> {
  if (options.all === (options.author !== undefined))
    throw new CliError(EXIT_CODES.usage, "Say whose entries to mirror: --author 0x... (one writer) or --all (the whole registry).");
  if (options.author !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.author))
    throw new CliError(EXIT_CODES.usage, "--author takes an address: 0x followed by 40 hex digits.");
  const interval = Number(options.interval ?? "15");
  if (!(interval >= 1)) throw new CliError(EXIT_CODES.usage, "--interval takes a number of seconds, at least 1.");
  const author = options.author?.toLowerCase() as Address | undefined;

  const ipfs = await connectIpfs(settings);
  const apiUrl = hostPortUrl(settings.ipfsApi);
  const chain = await connectChain(settings);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  if (options.watch) process.once("SIGINT", onSigint);
  try {
    const reader = entryEvents(chain.provider, chain.deployment);
    const pinned = new Set<string>();
    for await (const pin of ipfs.pin.ls({ type: "recursive" })) pinned.add(pin.cid.toV1().toString());
    const tokens = new Set<bigint>();
    /** CIDs to pin, in registry order, each once; those that failed stay for the next pass. */
    const wanted: string[] = [];
    const known = new Set<string>();
    const addCid = (cid: string) => {
      const key = CID.parse(cid).toV1().toString();
      if (known.has(key)) return;
      known.add(key);
      wanted.push(key);
    };
    let from = BigInt(chain.deployment.deployBlock);
    let failedLastPass = 0;
    for (;;) {
      const started = performance.now();
      const latest = await reader.latestBlock();
      if (latest >= from) {
        for (const event of await reader.read(from, latest, author ? { author } : {})) {
          tokens.add(event.tokenId);
          addCid(event.cid);
        }
        for (const revision of await reader.readRevisions(from, latest)) if (tokens.has(revision.tokenId)) addCid(revision.cid);
        from = latest + 1n;
      }
      const todo = wanted.filter((cid) => !pinned.has(cid));
      const progress = new ProgressBar("mirroring");
      let done = 0;
      let fresh = 0;
      const failures: string[] = [];
      const pinnedNow = (cid: string) => {
        pinned.add(cid);
        fresh++;
        progress.update({ done: ++done, total: todo.length, current: cid });
      };
      const batches = Array.from({ length: Math.ceil(todo.length / PINS_PER_REQUEST) }, (_, i) => todo.slice(i * PINS_PER_REQUEST, (i + 1) * PINS_PER_REQUEST));
      await forEachConcurrently(batches, PINS_AT_ONCE / PINS_PER_REQUEST, async (batch) => {
        if (stop.signal.aborted) return;
        const pinnedAll = await pinAll(apiUrl, batch, stop.signal).catch(() => false);
        if (stop.signal.aborted) return;
        if (pinnedAll) {
          for (const cid of batch) pinnedNow(cid);
          return;
        }
        // the request's error names one root at most: each is asked alone (those pinned since answer
        // at once), and the ones that fail again are named
        await Promise.all(
          batch.map(async (cid) => {
            try {
              await ipfs.pin.add(CID.parse(cid), { signal: stop.signal });
              pinnedNow(cid);
            } catch (error) {
              if (stop.signal.aborted) return;
              failures.push(cid);
              progress.log(`failed: ${cid}: ${(error as Error).message.split("\n")[0]}`);
              progress.update({ done: ++done, total: todo.length, current: cid });
            }
          }),
        );
      });
      progress.finish();
      failedLastPass = failures.length;
      console.log(
        JSON.stringify({
          entries: wanted.length,
          pinned: fresh,
          alreadyPinned: wanted.length - todo.length,
          failed: failures.length,
          seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
        }),
      );
      if (!options.watch || stop.signal.aborted) break;
      const slept = await delay(interval * 1000, true, { signal: stop.signal }).catch(() => false);
      if (!slept) break;
    }
    return failedLastPass > 0 ? EXIT_CODES.entriesFailed : EXIT_CODES.ok;
  } finally {
    process.off("SIGINT", onSigint);
    chain.provider.destroy();
  }
}

/**
 * Pins `cids` recursively with one `pin/add` request of the Kubo RPC API (its `arg` repeated),
 * which answers once every one is pinned; whether it succeeded (a failure is told root by root
 * afterwards, so its message is not read).
 */
async function pinAll(apiUrl: string, cids: string[], signal: AbortSignal): Promise<boolean> {
  const query = new URLSearchParams(cids.map((cid) => ["arg", cid]));
  const response = await fetch(`${apiUrl}/api/v0/pin/add?${query}`, {
    method: "POST",
    signal: AbortSignal.any([signal, AbortSignal.timeout(IPFS_RPC_TIMEOUT_MS)]),
  });
  await response.body?.cancel();
  return response.ok;
}
