/**
 * The app's log source (frontend/src/chain/registry.ts) behind a rate-limited RPC: an HTTP 429 is
 * waited out and the same range asked again, so a rate limit never shrinks the reader's range; a
 * refused range (JSON-RPC error) is passed to the reader at once, which asks for a smaller one.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

type Call = { id: number; method: string; params: [{ fromBlock: string; toBlock: string }] };

describe("the app's log source", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("waits out HTTP 429 and asks for the same range again; shrinks only on a refused range", async () => {
    const asked: string[] = [];
    let limited = 2;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init: { body: string }) => {
        const body = JSON.parse(init.body) as Call | Call[];
        const calls = Array.isArray(body) ? body : [body];
        if (limited-- > 0)
          return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: 429, message: "Too Many Requests" } }), { status: 429 });
        const answers = calls.map((call) => {
          const span = BigInt(call.params[0].toBlock) - BigInt(call.params[0].fromBlock) + 1n;
          asked.push(`${BigInt(call.params[0].fromBlock)}-${BigInt(call.params[0].toBlock)}`);
          return span > 10_000n
            ? { jsonrpc: "2.0", id: call.id, error: { code: -32005, message: "query exceeds max block range 10000" } }
            : { jsonrpc: "2.0", id: call.id, result: [] };
        });
        return new Response(JSON.stringify(Array.isArray(body) ? answers : answers[0]), { status: 200, headers: { "content-type": "application/json" } });
      }),
    );
    const { EntryEventReader } = await import("#core/contract/registry-events.ts");
    const { entryEvents } = await import("../../frontend/src/chain/registry.ts");
    expect(entryEvents).toBeInstanceOf(EntryEventReader);
    const events = await entryEvents.read(0n, 19_999n);
    expect(events).toEqual([]);
    // The first range was asked once after the two 429s (not shrunk by them), then refused and shrunk.
    expect(asked[0]).toBe("0-19999");
    expect(asked.slice(1)).toEqual(["0-9999", "10000-19999"]);
  }, 20_000);
});
