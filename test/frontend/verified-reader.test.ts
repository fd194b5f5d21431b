// @vitest-environment node
/**
 * The app's verified reader (frontend/src/ipfs/reader.ts) over fake gateways: every read reports
 * the gateways that served it and the attempts that failed for it, and only those, even while other
 * reads share the same blockstore and run at the same time. Gateways that tamper with bytes, answer
 * with another block, never answer, or send far more than a block are skipped for the next one.
 * (The blockstore's own checks are specified in test/core/verified-blockstore.test.ts and
 * read-limits.test.ts; this is the reader the entry page and the feed use.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BlockUnavailableError, VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { readVerifiedFrom, textOf } from "../../frontend/src/ipfs/reader.ts";
import { entryWith, type Blocks } from "../support/dag-bombs.ts";

const blocks: Blocks = new Map();
let alpha: string;
let beta: string;
/** Block CIDs of each entry's root and files, so a gateway can treat one entry differently. */
let betaBlocks: Set<string>;

beforeAll(async () => {
  alpha = (await entryWith(blocks, "Alpha")).cid.toString();
  const before = new Set(blocks.keys());
  beta = (await entryWith(blocks, "Beta")).cid.toString();
  betaBlocks = new Set([...blocks.keys()].filter((key) => !before.has(key)));
});

/**
 * Gateways by host: "good" serves the block asked for; "tamper" flips its first byte; "wrong"
 * answers with another block; "silent" never answers; "huge" sends 3 MiB; "picky" serves Alpha's
 * blocks and answers HTTP 500 for Beta's.
 */
const gateways: typeof fetch = (async (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(String(input));
  const key = url.pathname.split("/")[2];
  const block = blocks.get(key);
  switch (url.host) {
    case "tamper": {
      const bytes = new Uint8Array(block!);
      bytes[0] ^= 0xff;
      return new Response(bytes);
    }
    case "wrong":
      return new Response([...blocks.values()].find((other) => other !== block)! as Uint8Array<ArrayBuffer>);
    case "silent":
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    case "huge":
      return new Response(new Uint8Array(3 * 1024 * 1024));
    case "picky":
      if (betaBlocks.has(key)) return new Response("no", { status: 500 });
      return new Response(block! as Uint8Array<ArrayBuffer>);
    default:
      return block ? new Response(block as Uint8Array<ArrayBuffer>) : new Response("not found", { status: 404 });
  }
}) as typeof fetch;

const store = (hosts: string[], timeoutMs = 10_000) =>
  new VerifiedGatewayBlockstore(
    hosts.map((h) => `http://${h}`),
    { fetch: gateways, timeoutMs },
  );

describe("the app's verified reader", () => {
  it("falls through tampered bytes, another block, silence and a body far larger than a block to the gateway with the right bytes, naming each failure", async () => {
    const read = await readVerifiedFrom(store(["tamper", "wrong", "silent", "huge", "good"], 100), alpha, "index.md");
    expect(textOf(read.bytes)).toContain("Alpha.");
    expect(read.servedBy).toEqual(["http://good"]);
    const kinds = new Map<string, Set<string>>();
    for (const failure of read.failures) kinds.set(failure.gateway, (kinds.get(failure.gateway) ?? new Set()).add(failure.kind));
    expect(Object.fromEntries([...kinds].map(([gateway, k]) => [gateway, [...k]]))).toEqual({
      "http://tamper": ["mismatch"],
      "http://wrong": ["mismatch"],
      "http://silent": ["timeout"],
      "http://huge": ["too-large"],
    });
  });

  it("reports only its own read's failures while another read on the same blockstore fails at the same time", async () => {
    const shared = store(["picky", "good"]);
    const [a, b] = await Promise.all([readVerifiedFrom(shared, alpha, "metadata.json"), readVerifiedFrom(shared, beta, "metadata.json")]);
    expect(a.failures).toEqual([]);
    expect(a.servedBy).toEqual(["http://picky"]);
    expect(b.failures.length).toBeGreaterThan(0);
    expect(b.failures.every((f) => f.gateway === "http://picky" && f.kind === "http-error")).toBe(true);
    expect(b.servedBy).toEqual(["http://good"]);
    // The shared blockstore's own counters are left alone: sessions keep their bookkeeping.
    expect(shared.failures).toEqual([]);
    expect(shared.served.size).toBe(0);
  });

  it("reports no failures and no gateway for a read answered from blocks already verified", async () => {
    const shared = store(["tamper", "good"]);
    const first = await readVerifiedFrom(shared, alpha, "metadata.json");
    expect(first.failures.length).toBeGreaterThan(0);
    const again = await readVerifiedFrom(shared, alpha, "metadata.json");
    expect(again).toEqual({ bytes: first.bytes, servedBy: [], failures: [] });
  });

  it("fails with every gateway's failure when none returns matching bytes", async () => {
    const error = await readVerifiedFrom(store(["tamper", "wrong"]), beta, "index.md").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockUnavailableError);
    expect((error as BlockUnavailableError).failures.map((f) => `${f.gateway} ${f.kind}`)).toEqual(["http://tamper mismatch", "http://wrong mismatch"]);
  });
});
