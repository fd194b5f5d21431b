/**
 * This node as a pinning service: the requests of the IPFS Pinning Service API, what each token
 * may see and store, and the work behind each request.
 *
 * A request goes queued -> pinning -> pinned or failed. Pinning walks the DAG: a block already here
 * is read from the store; a missing one is fetched from the request's HTTP origins (trustless
 * gateways, each block checked against its CID, see origins.ts), else through the store, which
 * fetches from the IPFS network when the node is online (its libp2p origins are dialled first). Every block counts once towards the DAG's
 * size, and a DAG larger than what the token's quota has left fails with INSUFFICIENT_FUNDS
 * before more is fetched. Then the root is pinned recursively. Requests are persisted at each
 * change of status, so a node killed mid-pin takes its queued and pinning requests up again
 * when it starts.
 *
 * A token's usage is the sum of the DAG sizes of its pinned requests; a new request from a token
 * whose usage has reached its quota is refused with the spec's 409 INSUFFICIENT_FUNDS.
 */
import { randomUUID } from "node:crypto";
import { CID } from "multiformats/cid";
import { BlockUnavailableError, VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { formatBytes } from "#core/entry/limits.ts";
import { DigestSet } from "../digest-set.ts";
import { BlockNotLocalError } from "../errors.ts";
import type { IpfsStore } from "../store.ts";
import { gatewayUrlOf } from "./origins.ts";
import { type PinRequestRecord, PinRequestStore } from "./requests.ts";
import {
  badRequest,
  DEFAULT_LIMIT,
  MAX_PIN_NAME_LENGTH,
  MAX_RESULTS,
  PIN_STATUSES,
  type Pin,
  PinningApiError,
  type PinResults,
  type PinStatus,
  type PinStatusName,
  parseStringMap,
} from "./spec.ts";
import { PinningTokens, type TokenRecord } from "./tokens.ts";

export interface PinningServiceOptions {
  store: IpfsStore;
  /** This node's addresses, answered as `delegates`. */
  delegates: () => string[];
  /** Dial a libp2p origin (best effort), when the node is a libp2p peer. */
  connect?: (multiaddr: string, signal: AbortSignal) => Promise<void>;
  /** Requests pinned at once (default 4). */
  concurrency?: number;
  /** Time one origin may take for one block (default 10 s). */
  blockTimeoutMs?: number;
}

/** Pin requests one token may hold, whatever their status (each is a file in the repo and a few hundred bytes of memory). */
const MAX_REQUESTS_PER_TOKEN = 100_000;

/** The DAG does not fit in what the token's quota has left. */
class QuotaExceededError extends Error {
  static name = "QuotaExceededError";
  constructor(message: string) {
    super(message);
    this.name = "QuotaExceededError";
  }
}

export class PinningService {
  readonly tokens: PinningTokens;
  readonly #requests: PinRequestStore;
  readonly #options: PinningServiceOptions;
  readonly #queue: string[] = [];
  readonly #running = new Map<string, AbortController>();
  /** Bytes fetched by the requests pinning now, by token: counted against its quota until they settle. */
  readonly #fetching = new Map<string, number>();
  #closed = false;

  private constructor(options: PinningServiceOptions, requests: PinRequestStore) {
    this.#options = options;
    this.#requests = requests;
    this.tokens = new PinningTokens(options.store.repoPath);
  }

  /** Opens the service's state in the node's repo and takes up the requests a stop left unfinished. */
  static async open(options: PinningServiceOptions): Promise<PinningService> {
    const service = new PinningService(options, await PinRequestStore.open(options.store.repoPath));
    const unfinished = [...service.#requests.all()].filter((r) => r.status === "queued" || r.status === "pinning");
    unfinished.sort((a, b) => a.created.localeCompare(b.created));
    for (const record of unfinished) service.#enqueue(record.requestid);
    return service;
  }

  /** Stops the work under way; unfinished requests stay as they are on disk and are taken up at the next start. */
  close(): void {
    this.#closed = true;
    for (const controller of this.#running.values()) controller.abort(new Error("the node is stopping"));
  }

  /** The token an `Authorization: Bearer` header carries; the spec's 401 otherwise. */
  async authenticate(authorization: string | undefined): Promise<TokenRecord> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    const record = match ? await this.tokens.authenticate(match[1]) : undefined;
    if (!record) {
      throw new PinningApiError(
        401,
        "UNAUTHORIZED",
        match ? "Access token is invalid or revoked" : "Access token is missing: send Authorization: Bearer <token>",
      );
    }
    return record;
  }

  /** `GET /pins`: the token's requests matching the filters, newest first. */
  list(token: TokenRecord, query: URLSearchParams): PinResults {
    const filter = parseListQuery(query);
    const matching = [...this.#visible(token)].filter((record) => filter.matches(record));
    matching.sort((a, b) => b.created.localeCompare(a.created));
    return { count: matching.length, results: matching.slice(0, filter.limit).map((r) => this.#statusOf(r)) };
  }

  /** `POST /pins`: a new request, queued (202). */
  async add(token: TokenRecord, pin: Pin): Promise<PinStatus> {
    this.#checkQuota(token);
    let requests = 0;
    for (const _ of this.#visible(token)) requests++;
    if (requests >= MAX_REQUESTS_PER_TOKEN) {
      throw new PinningApiError(
        403,
        "TOO_MANY_PINS",
        `This token holds ${MAX_REQUESTS_PER_TOKEN} pin requests, the most one token may hold. Remove some (failed ones first), or use another token.`,
      );
    }
    const record: PinRequestRecord = { requestid: randomUUID(), tokenId: token.id, status: "queued", created: this.#requests.nextCreated(), pin };
    await this.#requests.put(record);
    this.#enqueue(record.requestid);
    return this.#statusOf(record);
  }

  /** `GET /pins/{requestid}`. */
  get(token: TokenRecord, requestid: string): PinStatus {
    return this.#statusOf(this.#own(token, requestid));
  }

  /**
   * `POST /pins/{requestid}`: a new request for `pin` replaces the old one, which is removed (and
   * its CID unpinned) once the new one is pinned or failed, so blocks the two share stay meanwhile.
   */
  async replace(token: TokenRecord, requestid: string, pin: Pin): Promise<PinStatus> {
    const old = this.#own(token, requestid);
    const status = await this.add(token, pin);
    await this.#requests.put({ ...old, replacedBy: status.requestid });
    return status;
  }

  /** `DELETE /pins/{requestid}`: the request is removed, and its CID unpinned unless something else keeps it. */
  async remove(token: TokenRecord, requestid: string): Promise<void> {
    await this.#drop(this.#own(token, requestid));
  }

  /** How many bytes a token's pinned requests hold. */
  usedBytes(tokenId: string): number {
    let used = 0;
    for (const record of this.#requests.all()) if (record.tokenId === tokenId && record.status === "pinned" && !record.replacedBy) used += record.dagSize ?? 0;
    return used;
  }

  #checkQuota(token: TokenRecord): void {
    const used = this.usedBytes(token.id);
    if (used >= token.quotaBytes) {
      throw new PinningApiError(
        409,
        "INSUFFICIENT_FUNDS",
        `This token's storage quota of ${formatBytes(token.quotaBytes)} is used up (${formatBytes(used)} pinned). Remove pins, or ask the node's operator for a larger quota.`,
      );
    }
  }

  *#visible(token: TokenRecord): Generator<PinRequestRecord> {
    for (const record of this.#requests.all()) if (record.tokenId === token.id && !record.replacedBy) yield record;
  }

  #own(token: TokenRecord, requestid: string): PinRequestRecord {
    const record = this.#requests.get(requestid);
    if (!record || record.tokenId !== token.id || record.replacedBy)
      throw new PinningApiError(404, "NOT_FOUND", `No pin request ${requestid.slice(0, 100)} for this token`);
    return record;
  }

  #statusOf(record: PinRequestRecord): PinStatus {
    const info: Record<string, string> = { ...record.info };
    if (record.dagSize !== undefined) info.dag_size = String(record.dagSize);
    if (record.status === "queued") info.status_details ??= `Queue position: ${this.#queue.indexOf(record.requestid) + 1} of ${this.#queue.length}`;
    return { requestid: record.requestid, status: record.status, created: record.created, pin: record.pin, delegates: this.#options.delegates(), info };
  }

  #enqueue(requestid: string): void {
    this.#queue.push(requestid);
    this.#pump();
  }

  #pump(): void {
    const limit = this.#options.concurrency ?? 4;
    while (!this.#closed && this.#running.size < limit && this.#queue.length > 0) {
      const requestid = this.#queue.shift() as string;
      const record = this.#requests.get(requestid);
      if (!record || (record.status !== "queued" && record.status !== "pinning")) continue;
      const controller = new AbortController();
      this.#running.set(requestid, controller);
      this.#work(record, controller.signal)
        .catch((err: unknown) => {
          if (!this.#closed) console.error(`pinning service: request ${requestid}: ${(err as Error).message}`);
        })
        .finally(() => {
          this.#running.delete(requestid);
          this.#pump();
        });
    }
  }

  async #work(queued: PinRequestRecord, signal: AbortSignal): Promise<void> {
    const { store } = this.#options;
    const { requestid } = queued;
    const cid = CID.parse(queued.pin.cid);
    let settled: Pick<PinRequestRecord, "status" | "dagSize" | "info">;
    const pinnedBefore = queued.pinnedBefore ?? (await isPinnedRecursively(store, cid));
    const charged = { bytes: 0 };
    try {
      if (!(await this.#update(requestid, { status: "pinning", pinnedBefore, info: { status_details: "fetching the DAG" } }))) return;
      for (const origin of queued.pin.origins ?? []) {
        if (gatewayUrlOf(origin) === undefined && this.#options.connect) await this.#options.connect(origin, signal).catch(() => {});
      }
      const token = (await this.tokens.list()).find((t) => t.id === queued.tokenId);
      const quota = { tokenId: queued.tokenId, bytes: token?.quotaBytes ?? 0, charged };
      let dagSize = 0;
      for (let attempt = 1; ; attempt++) {
        dagSize = await this.#fetchDag(cid, queued.pin.origins ?? [], quota, signal);
        try {
          await store.pin(cid, true, signal);
          break;
        } catch (err) {
          // gc may have removed fetched blocks before the pin held them: fetch them again once
          if (!(err instanceof BlockNotLocalError) || attempt >= 2) throw err;
        }
      }
      settled = { status: "pinned", dagSize, info: {} };
    } catch (err) {
      if (signal.aborted) {
        this.#release(queued.tokenId, charged);
        return; // stopping (resumed at the next start) or removed
      }
      const reason = err instanceof QuotaExceededError ? "INSUFFICIENT_FUNDS" : "PIN_FAILED";
      settled = { status: "failed", info: { status_details: `${reason}: ${(err as Error).message}`.slice(0, 1000) } };
    }
    const record = await this.#update(requestid, settled).finally(() => this.#release(queued.tokenId, charged));
    if (!record) {
      // removed (or replaced) while it pinned: what it pinned goes too
      if (settled.status === "pinned") await this.#unpinUnlessHeld({ ...queued, status: "pinned", pinnedBefore });
      return;
    }
    await this.#finishReplacement(record);
    // replaced while it was pinning, by a request that has settled already: it goes now
    const replacement = record.replacedBy === undefined ? undefined : this.#requests.get(record.replacedBy);
    if (record.replacedBy !== undefined && (replacement === undefined || replacement.status === "pinned" || replacement.status === "failed"))
      await this.#drop(record);
  }

  /** Changes a request as it is now (a replace may have marked it meanwhile); undefined when it is gone. */
  async #update(requestid: string, changes: Partial<PinRequestRecord>): Promise<PinRequestRecord | undefined> {
    const current = this.#requests.get(requestid);
    if (!current) return undefined;
    const updated = { ...current, ...changes };
    await this.#requests.put(updated);
    return updated;
  }

  /**
   * Every block of the DAG into the store, fetching the missing ones from the HTTP origins; returns
   * the DAG's size in bytes.
   * @throws QuotaExceededError as soon as the DAG is larger than what the token's quota has left,
   *   counting what its other requests pinning at the same time have fetched so far
   */
  async #fetchDag(root: CID, origins: string[], quota: { tokenId: string; bytes: number; charged: { bytes: number } }, signal: AbortSignal): Promise<number> {
    const { store } = this.#options;
    const gateways = origins.map(gatewayUrlOf).filter((url): url is string => url !== undefined);
    const remote = gateways.length > 0 ? new VerifiedGatewayBlockstore(gateways, { timeoutMs: this.#options.blockTimeoutMs }) : undefined;
    const seen = new DigestSet();
    const stack: CID[] = [root];
    let size = 0;
    while (stack.length > 0) {
      const cid = stack.pop() as CID;
      if (!seen.add(cid.multihash)) continue;
      signal.throwIfAborted();
      let bytes: Uint8Array | undefined;
      if (remote && !(await store.hasBlock(cid))) {
        // the origins first (the client said they have it), then whatever the node's network finds
        bytes = await remote.getBlock(cid, { signal }).catch((err: unknown) => {
          signal.throwIfAborted();
          if (!(err instanceof BlockUnavailableError)) throw err;
          return undefined;
        });
        if (bytes) await store.putBlock(cid, bytes);
      }
      bytes ??= await store.getBlock(cid, { signal });
      // a second walk (after gc took blocks) counts only what is beyond the first
      const more = Math.max(0, size + bytes.length - quota.charged.bytes);
      size += bytes.length;
      quota.charged.bytes += more;
      this.#fetching.set(quota.tokenId, (this.#fetching.get(quota.tokenId) ?? 0) + more);
      const left = quota.bytes - this.usedBytes(quota.tokenId) - (this.#fetching.get(quota.tokenId) ?? 0) + quota.charged.bytes;
      if (size > left) {
        throw new QuotaExceededError(`the DAG is larger than the ${formatBytes(Math.max(0, left))} left of this token's quota; nothing more was fetched`);
      }
      const links = await store.linksOf(cid, signal);
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]);
    }
    return size;
  }

  #release(tokenId: string, charged: { bytes: number }): void {
    const left = (this.#fetching.get(tokenId) ?? 0) - charged.bytes;
    if (left > 0) this.#fetching.set(tokenId, left);
    else this.#fetching.delete(tokenId);
    charged.bytes = 0;
  }

  /** The request this one replaced goes once this one is pinned or failed. */
  async #finishReplacement(record: PinRequestRecord): Promise<void> {
    for (const old of [...this.#requests.all()]) if (old.replacedBy === record.requestid) await this.#drop(old);
  }

  /**
   * Removes a request (stopping its work if it is still pinning), unpinning its CID unless it was
   * pinned before or another request holds it.
   */
  async #drop(record: PinRequestRecord): Promise<void> {
    this.#running.get(record.requestid)?.abort(new Error("the pin request was removed"));
    await this.#requests.remove(record.requestid);
    await this.#unpinUnlessHeld(record);
  }

  async #unpinUnlessHeld(record: PinRequestRecord): Promise<void> {
    if (record.status !== "pinned" || record.pinnedBefore) return;
    for (const other of this.#requests.all()) if (other.pin.cid === record.pin.cid && other.status !== "failed") return;
    await this.#options.store.unpin(CID.parse(record.pin.cid), true).catch(() => {});
  }
}

async function isPinnedRecursively(store: IpfsStore, cid: CID): Promise<boolean> {
  try {
    return (await store.helia.pins.get(cid)).depth === Infinity;
  } catch {
    return false;
  }
}

/** The filters of `GET /pins` (cid, name + match, status, before, after, limit, meta). */
function parseListQuery(query: URLSearchParams): { limit: number; matches(record: PinRequestRecord): boolean } {
  const list = (name: string) =>
    query
      .getAll(name)
      .flatMap((value) => value.split(","))
      .map((value) => value.trim())
      .filter(Boolean);
  const cids = list("cid");
  if (cids.length > 10) throw badRequest("cid: at most 10 CIDs");
  const cidKeys = new Set(cids.map((cid) => cidKey(cid)));
  const statuses = list("status");
  for (const status of statuses)
    if (!PIN_STATUSES.includes(status as PinStatusName)) throw badRequest(`status: "${status.slice(0, 40)}" is not one of ${PIN_STATUSES.join(", ")}`);
  const wanted = new Set(statuses.length > 0 ? statuses : ["pinned"]);
  const name = query.get("name") ?? undefined;
  if (name !== undefined && name.length > MAX_PIN_NAME_LENGTH) throw badRequest(`name: at most ${MAX_PIN_NAME_LENGTH} characters`);
  const match = query.get("match") ?? "exact";
  if (!["exact", "iexact", "partial", "ipartial"].includes(match)) throw badRequest("match: one of exact, iexact, partial, ipartial");
  const time = (param: string) => {
    const value = query.get(param);
    if (value === null) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw badRequest(`${param}: "${value.slice(0, 40)}" is not an RFC 3339 timestamp`);
    return ms;
  };
  const before = time("before");
  const after = time("after");
  const limitText = query.get("limit");
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS) throw badRequest(`limit: an integer from 1 to ${MAX_RESULTS}`);
  let meta: Record<string, string> | undefined;
  const metaText = query.get("meta");
  if (metaText !== null) {
    try {
      meta = parseStringMap(JSON.parse(metaText), "meta");
    } catch (err) {
      if (err instanceof PinningApiError) throw err;
      throw badRequest("meta: a JSON object of strings, URL-encoded");
    }
  }
  const nameMatches = (candidate: string | undefined): boolean => {
    if (name === undefined) return true;
    if (candidate === undefined) return false;
    if (match === "exact") return candidate === name;
    if (match === "iexact") return candidate.toLowerCase() === name.toLowerCase();
    if (match === "partial") return candidate.includes(name);
    return candidate.toLowerCase().includes(name.toLowerCase());
  };
  return {
    limit,
    matches(record) {
      const created = Date.parse(record.created);
      return (
        wanted.has(record.status) &&
        (cidKeys.size === 0 || cidKeys.has(cidKey(record.pin.cid))) &&
        nameMatches(record.pin.name) &&
        (before === undefined || created < before) &&
        (after === undefined || created > after) &&
        (meta === undefined || Object.entries(meta).every(([key, value]) => record.pin.meta?.[key] === value))
      );
    },
  };
}

/** CIDv0 and v1 of one DAG are one key. */
function cidKey(cid: string): string {
  try {
    return CID.parse(cid).toV1().toString();
  } catch {
    throw badRequest(`cid: "${cid.slice(0, 100)}" is not a CID`);
  }
}
