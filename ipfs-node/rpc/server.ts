/**
 * The Kubo RPC API server (`/api/v0/...`): POST only, answers browsers only from the configured
 * origins, Kubo's status codes and error bodies, and never lets one bad request take it down.
 */
import http from "node:http";
import type { NodeIdentity } from "../identity.ts";
import type { IpfsStore } from "../store.ts";
import { createAddRoute } from "./add.ts";
import { createBlockGetRoute, createBlockPutRoute, createBlockStatRoute, createDagStatRoute } from "./blocks.ts";
import { createCatRoute, createLsRoute } from "./files.ts";
import { sendError, type RpcHandler } from "./http-io.ts";
import { createIdRoute, createRepoGcRoute, createRepoStatRoute, version } from "./node-info.ts";
import { createPinAddRoute, createPinLsRoute, createPinRmRoute } from "./pins.ts";

export interface RpcServerOptions {
  store: IpfsStore;
  identity: NodeIdentity;
  allowedOrigins: string[];
  uploadLimitBytes: number;
}

export const RPC_PREFIX = "/api/v0/";

export function createRpcServer({ store, identity, allowedOrigins, uploadLimitBytes }: RpcServerOptions): http.Server {
  const routes = new Map<string, RpcHandler>([
    ["add", createAddRoute(store)],
    ["cat", createCatRoute(store)],
    ["ls", createLsRoute(store)],
    ["pin/add", createPinAddRoute(store)],
    ["pin/ls", createPinLsRoute(store)],
    ["pin/rm", createPinRmRoute(store)],
    ["block/get", createBlockGetRoute(store)],
    ["block/stat", createBlockStatRoute(store)],
    ["block/put", createBlockPutRoute(store)],
    ["dag/stat", createDagStatRoute(store)],
    ["id", createIdRoute(identity)],
    ["version", version],
    ["repo/stat", createRepoStatRoute(store)],
    ["repo/gc", createRepoGcRoute(store)],
  ]);
  const allowed = new Set(allowedOrigins);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://rpc.invalid");
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowed.has(origin)) return sendPlain(res, 403, "403 - Forbidden");
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      res.setHeader("Access-Control-Expose-Headers", "X-Stream-Output, X-Chunked-Output, X-Content-Length, X-Stream-Error");
      if (req.method === "OPTIONS") {
        res.setHeader("Access-Control-Allow-Methods", "POST");
        res.setHeader("Access-Control-Allow-Headers", req.headers["access-control-request-headers"] ?? "Content-Type");
        res.setHeader("Access-Control-Max-Age", "600");
        res.writeHead(200).end();
        return;
      }
    }
    const route = url.pathname.startsWith(RPC_PREFIX) ? routes.get(url.pathname.slice(RPC_PREFIX.length).replace(/\/+$/, "")) : undefined;
    if (!route) return sendPlain(res, 404, "404 page not found");
    if (req.method !== "POST") return sendPlain(res, 405, "405 - Method Not Allowed");

    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort(new Error("the client closed the connection"));
    });
    try {
      await route({ req, res, query: url.searchParams, signal: abort.signal, uploadLimitBytes });
    } catch (err) {
      if (!abort.signal.aborted) logUnexpected(err);
      sendError(res, err);
      // discard the rest of an upload we refused so the client can read the answer; cut off
      // a client that keeps sending for long
      if (!req.complete) {
        req.unpipe();
        req.resume();
        setTimeout(() => req.destroy(), 10_000).unref();
      }
    }
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

function sendPlain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(text + "\n");
}

function logUnexpected(err: unknown): void {
  const name = (err as Error)?.name ?? "";
  if (/Error$/.test(name) && ["InvalidArgumentError", "InvalidCidError", "PathNotFoundError", "BlockNotLocalError", "PayloadTooLargeError", "NotPinnedError", "UnsupportedError"].includes(name)) return;
  if (process.env.TIL_IPFS_DEBUG) console.error("rpc:", err);
}
