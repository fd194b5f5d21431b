/**
 * A JSON-RPC proxy in front of a local node that behaves like a public RPC endpoint: it refuses
 * `eth_getLogs` over `maxBlocks` blocks or `maxResults` results with the errors such endpoints
 * return (code -32005, "query exceeds max block range 10000" / "query returned more than 10000
 * results"), answers every HTTP request after `latencyMs`, and rate-limits: over `ratePerSecond`
 * calls (a token bucket holding `burst`), it answers HTTP 429 "Too Many Requests" without
 * forwarding. Batches are forwarded call by call. CORS is open, as on public endpoints.
 * Counts what it saw, for tests and the benchmark.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RpcLimitsOptions {
  maxBlocks?: number;
  maxResults?: number;
  latencyMs?: number;
  ratePerSecond?: number;
  burst?: number;
}

export interface RpcLimitsProxy {
  url: string;
  stats: { requests: number; getLogs: number; refusedRange: number; refusedResults: number; rateLimited: number };
  close(): Promise<void>;
}

interface JsonRpcCall {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

export async function startRpcLimitsProxy(upstream: string, options: RpcLimitsOptions = {}): Promise<RpcLimitsProxy> {
  const { maxBlocks = 10_000, maxResults = 10_000, latencyMs = 100, ratePerSecond = 25, burst = 40 } = options;
  const stats = { requests: 0, getLogs: 0, refusedRange: 0, refusedResults: 0, rateLimited: 0 };
  let tokens = burst;
  let refilled = Date.now();
  const take = (n: number): boolean => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - refilled) / 1000) * ratePerSecond);
    refilled = now;
    if (tokens < n) return false;
    tokens -= n;
    return true;
  };

  const forward = async (call: JsonRpcCall): Promise<{ result?: unknown; error?: unknown }> => {
    const response = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...call, id: 1 }) });
    return (await response.json()) as { result?: unknown; error?: unknown };
  };
  const blockOf = async (tag: unknown): Promise<bigint> => {
    if (typeof tag === "string" && tag.startsWith("0x")) return BigInt(tag);
    return BigInt((await forward({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] })).result as string);
  };

  const answer = async (call: JsonRpcCall): Promise<Record<string, unknown>> => {
    const base = { jsonrpc: "2.0", id: call.id };
    if (call.method === "eth_getLogs") {
      stats.getLogs++;
      const filter = (call.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string };
      if (!filter.blockHash) {
        const from = await blockOf(filter.fromBlock ?? "latest");
        const to = await blockOf(filter.toBlock ?? "latest");
        if (to - from + 1n > BigInt(maxBlocks)) {
          stats.refusedRange++;
          return { ...base, error: { code: -32005, message: `query exceeds max block range ${maxBlocks}` } };
        }
      }
      const upstreamAnswer = await forward(call);
      if (Array.isArray(upstreamAnswer.result) && upstreamAnswer.result.length > maxResults) {
        stats.refusedResults++;
        return { ...base, error: { code: -32005, message: `query returned more than ${maxResults} results` } };
      }
      return { ...base, ...upstreamAnswer };
    }
    return { ...base, ...(await forward(call)) };
  };

  const server = http.createServer((req, res) => {
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type", "access-control-allow-methods": "POST, OPTIONS" };
    if (req.method === "OPTIONS") return void res.writeHead(204, cors).end();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      stats.requests++;
      await new Promise((r) => setTimeout(r, latencyMs));
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as JsonRpcCall | JsonRpcCall[];
        const calls = Array.isArray(body) ? body : [body];
        if (!take(calls.length)) {
          stats.rateLimited++;
          res.writeHead(429, { ...cors, "content-type": "application/json", "retry-after": "1" });
          return void res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: 429, message: "Too Many Requests" } }));
        }
        const answers = await Promise.all(calls.map(answer));
        res.writeHead(200, { ...cors, "content-type": "application/json" });
        res.end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
      } catch (error) {
        res.writeHead(500, cors).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
