/**
 * Reading IPFS content through HTTP gateways without trusting them: every block is fetched as a
 * raw block (trustless gateway, `application/vnd.ipld.raw`) and its hash is checked against the
 * CID before anything uses it. A gateway that answers with wrong bytes, an error or nothing in time
 * counts as failed and the next one is tried. Every hash function the node supports is checked
 * (core/multihash.ts: sha2-256, sha2-512, blake3); a CID with any other is refused with
 * {@link UnsupportedMultihashError} before anything is fetched, never trusted. An answer is read
 * as a stream and dropped as soon as it grows past the largest block IPFS allows
 * (MAX_BLOCK_BYTES, 2 MiB), and the per-block timeout covers the whole body, not only the
 * headers: a gateway that sends gigabytes, or a byte a second, costs at most 2 MiB and one timeout.
 *
 * It is a read-only blockstore, so ipfs-unixfs-exporter walks directories and files on top of it.
 * Browser-safe: fetch, multiformats and @noble/hashes only.
 */
import type { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";
import { formatBytes, MAX_BLOCK_BYTES } from "../entry/limits.ts";
import { concatBytes } from "../bytes.ts";
import { blockVerifier } from "../multihash.ts";

export interface GatewayFailure {
  gateway: string;
  cid: string;
  reason: string;
  /**
   * "mismatch": the gateway answered with bytes that do not hash to the CID (it lied or broke them);
   * "too-large": it answered with more than a block may hold (reading stopped there); the others:
   * no usable answer.
   */
  kind: GatewayFailureKind;
}

type GatewayFailureKind = "mismatch" | "too-large" | "http-error" | "timeout" | "unreachable";

export interface VerifiedBlockstoreOptions {
  /** How long one gateway may take for one block, headers and body, in ms (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** No gateway returned a block whose hash matches its CID. */
export class BlockUnavailableError extends Error {
  static name = "BlockUnavailableError";
  readonly failures: GatewayFailure[];
  constructor(cid: string, failures: GatewayFailure[]) {
    super(`No gateway returned block ${cid} with matching bytes: ${failures.map((f) => `${f.gateway}: ${f.reason}`).join("; ") || "no gateway configured"}.`);
    this.name = "BlockUnavailableError";
    this.failures = failures;
  }
}

export class VerifiedGatewayBlockstore {
  readonly gateways: string[];
  /** Blocks served, by gateway. */
  readonly served = new Map<string, number>();
  /** Every failed attempt, in order. */
  readonly failures: GatewayFailure[] = [];
  readonly #timeoutMs: number;
  readonly #fetch: typeof globalThis.fetch;
  /** Verified blocks already fetched (blocks are immutable), oldest first; shared with sessions. */
  #cache: BlockCache = { blocks: new Map(), bytes: 0 };
  static readonly CACHE_BLOCKS = 1024;
  /** The cache holds at most this many bytes of blocks (blocks may be 2 MiB each). */
  static readonly CACHE_BYTES = 32 * 1024 * 1024;

  constructor(gateways: string[], options: VerifiedBlockstoreOptions = {}) {
    if (gateways.length === 0) throw new Error("VerifiedGatewayBlockstore needs at least one gateway URL.");
    this.gateways = gateways.map((g) => g.replace(/\/+$/, ""));
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * A blockstore over the same gateways and verified-block cache whose `served` and `failures`
   * record only the reads made through it: one session per read attributes outcomes to that read,
   * even while other reads go on at the same time. The counters of this blockstore are not updated.
   */
  session(): VerifiedGatewayBlockstore {
    const session = new VerifiedGatewayBlockstore(this.gateways, { timeoutMs: this.#timeoutMs, fetch: this.#fetch });
    session.#cache = this.#cache;
    return session;
  }

  /** The gateway that served the most blocks so far. */
  get mainGateway(): string | undefined {
    let best: string | undefined;
    for (const [gateway, count] of this.served) if (best === undefined || count > this.served.get(best)!) best = gateway;
    return best;
  }

  /** Blockstore `get`: yields the verified block. */
  async *get(cid: CID, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    yield await this.getBlock(cid, options);
  }

  /** Fetches one block, trying each gateway in order until one returns bytes that hash to `cid`. */
  async getBlock(cid: CID, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    // Checked before the cache too: an aborted read (e.g. over a limit) stops walking cached blocks.
    options.signal?.throwIfAborted();
    if (cid.multihash.code === identity.code) return cid.multihash.digest;
    const matches = blockVerifier(cid);
    const key = cid.toString();
    const cached = this.#cache.blocks.get(key);
    if (cached) return cached;
    const attempts: GatewayFailure[] = [];
    for (const gateway of this.gateways) {
      options.signal?.throwIfAborted();
      const reason = await this.#tryGateway(gateway, cid, matches, options.signal);
      if (reason instanceof Uint8Array) {
        this.served.set(gateway, (this.served.get(gateway) ?? 0) + 1);
        this.#remember(key, reason);
        return reason;
      }
      const failure = { gateway, cid: cid.toString(), ...reason };
      attempts.push(failure);
      this.failures.push(failure);
    }
    throw new BlockUnavailableError(cid.toString(), attempts);
  }

  #remember(key: string, block: Uint8Array): void {
    const cache = this.#cache;
    cache.blocks.set(key, block);
    cache.bytes += block.byteLength;
    while (cache.blocks.size > VerifiedGatewayBlockstore.CACHE_BLOCKS || cache.bytes > VerifiedGatewayBlockstore.CACHE_BYTES) {
      const [oldest, bytes] = cache.blocks.entries().next().value!;
      cache.blocks.delete(oldest);
      cache.bytes -= bytes.byteLength;
    }
  }

  async #tryGateway(
    gateway: string,
    cid: CID,
    matches: (bytes: Uint8Array) => Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<Uint8Array | Pick<GatewayFailure, "reason" | "kind">> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    // Aborted on the caller's signal, the timeout, or a body over the limit: ends the request.
    const request = new AbortController();
    const stop = () => request.abort();
    for (const s of [signal, timeout]) s?.addEventListener("abort", stop, { once: true });
    try {
      const response = await this.#fetch(`${gateway}/ipfs/${cid}?format=raw`, {
        headers: { accept: "application/vnd.ipld.raw" },
        signal: request.signal,
      });
      if (!response.ok) {
        request.abort();
        return { kind: "http-error", reason: `HTTP ${response.status}` };
      }
      const bytes = await readBody(response, MAX_BLOCK_BYTES, request.signal);
      if (bytes === undefined) {
        request.abort();
        return { kind: "too-large", reason: `answered with more than ${formatBytes(MAX_BLOCK_BYTES)}, more than a block may hold (stopped reading)` };
      }
      if (!(await matches(bytes))) return { kind: "mismatch", reason: "returned bytes that do not match the CID (rejected)" };
      return bytes;
    } catch (error) {
      if (signal?.aborted) throw error;
      return timeout.aborted
        ? { kind: "timeout", reason: `no complete answer within ${this.#timeoutMs} ms` }
        : { kind: "unreachable", reason: `unreachable (${(error as Error).message})` };
    } finally {
      for (const s of [signal, timeout]) s?.removeEventListener("abort", stop);
    }
  }
}

interface BlockCache {
  blocks: Map<string, Uint8Array>;
  bytes: number;
}

/**
 * The body of `response`, or undefined as soon as it is known to hold more than `limit` bytes (a
 * Content-Length over it, or the bytes streamed so far): the rest is never read. The read ends
 * when `signal` aborts, even if the body's own stream ignores it (a body that drips).
 */
async function readBody(response: Response, limit: number, signal: AbortSignal): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > limit || !response.body) {
    await response.body?.cancel().catch(() => {});
    if (declared > limit) return undefined;
    return new Uint8Array(0);
  }
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) break;
      length += value.byteLength;
      if (length > limit) {
        cancel();
        return undefined;
      }
      chunks.push(value);
    }
    return concatBytes(chunks);
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}
