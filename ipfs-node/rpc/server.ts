/**
 * The Kubo RPC API server (`/api/v0/...`): POST only, answers browsers only from the configured
 * origins, Kubo's status codes and error bodies, and never lets one bad request take it down.
 *
 * Who may ask (checked before anything else, see {@link requestRefusal}):
 * - the Host header must name this machine by IP address or as `localhost`: a page of any other
 *   name that resolves to 127.0.0.1 (DNS rebinding) is refused;
 * - a request with an Origin, or else a Referer, must come from an allowed origin;
 * - a browser (a User-Agent starting with "Mozilla/") that sends neither is refused, as Kubo does:
 *   every browser request that a page can make sends one of them, so only a forged one lacks both.
 */
import http from "node:http";
import type { NodeIdentity } from "../identity.ts";
import type { Swarm } from "../network/swarm.ts";
import type { IpfsStore } from "../store.ts";
import { createAddRoute } from "./add.ts";
import { createBlockGetRoute, createBlockPutRoute, createBlockStatRoute, createDagStatRoute } from "./blocks.ts";
import { createCatRoute, createLsRoute } from "./files.ts";
import { answerMalformedRequests, discardUnreadBody, sendError, type RpcHandler } from "./http-io.ts";
import { createNetworkRoutes } from "./network.ts";
import { createIdRoute, createRepoGcRoute, createRepoStatRoute, version } from "./node-info.ts";
import { createPinAddRoute, createPinLsRoute, createPinRmRoute } from "./pins.ts";
import { createRemotePinRoutes } from "./remote-pins.ts";
import { RemoteServices } from "../pinning/remote-services.ts";

export interface RpcServerOptions {
  store: IpfsStore;
  identity: NodeIdentity;
  allowedOrigins: string[];
  uploadLimitBytes: number;
  /** This node's addresses, sent as `origins` with remote pin requests. */
  ownAddresses?: () => string[];
  /** The libp2p peer (undefined offline: the network commands answer Kubo's "not online" error). */
  swarm?: Swarm;
}

const RPC_PREFIX = "/api/v0/";

export function createRpcServer({ store, identity, allowedOrigins, uploadLimitBytes, ownAddresses = () => [], swarm }: RpcServerOptions): http.Server {
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
    ["id", createIdRoute(identity, swarm)],
    ["version", version],
    ["repo/stat", createRepoStatRoute(store)],
    ["repo/gc", createRepoGcRoute(store)],
    ...Object.entries(createNetworkRoutes(store, swarm)),
    ...Object.entries(createRemotePinRoutes({ store, services: new RemoteServices(store.repoPath), originAddresses: ownAddresses })),
  ]);
  const allowed = new Set(allowedOrigins);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://rpc.invalid");
    const refusal = requestRefusal(req.headers, allowed);
    if (refusal) {
      if (process.env.TIL_IPFS_DEBUG) console.error(`rpc: refused ${req.method} ${url.pathname}: ${refusal}`);
      return sendPlain(res, 403, "403 - Forbidden");
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
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
      discardUnreadBody(req);
    }
  });
  answerMalformedRequests(server);
  return server;
}

/** Why a request may not use the API (undefined when it may): see the module comment. */
function requestRefusal(headers: http.IncomingHttpHeaders, allowedOrigins: ReadonlySet<string>): string | undefined {
  const host = headers.host;
  if (host === undefined || !isMachineHost(host)) return `Host "${host ?? ""}" is not an IP address or localhost`;
  const origin = headers.origin ?? originOfReferer(headers.referer);
  if (origin !== undefined) return allowedOrigins.has(origin) ? undefined : `origin ${origin} is not allowed`;
  if (/^Mozilla\//.test(headers["user-agent"] ?? "")) return "a browser request without Origin or Referer";
  return undefined;
}

/** `localhost`, an IPv4 address or a bracketed IPv6 address, with an optional port. */
function isMachineHost(host: string): boolean {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]+))(?::\d{1,5})?$/.exec(host.trim());
  if (!match) return false;
  if (match[1] !== undefined) return true;
  const name = match[2].toLowerCase();
  return name === "localhost" || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name);
}

function originOfReferer(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    const origin = new URL(referer).origin;
    return origin === "null" ? referer : origin;
  } catch {
    return referer;
  }
}

function sendPlain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(`${text}\n`);
}

function logUnexpected(err: unknown): void {
  const name = (err as Error)?.name ?? "";
  if (
    /Error$/.test(name) &&
    [
      "InvalidArgumentError",
      "RequestParseError",
      "InvalidCidError",
      "PathNotFoundError",
      "BlockNotLocalError",
      "PayloadTooLargeError",
      "NotPinnedError",
      "UnsupportedError",
      "RemotePinError",
      "NotOnlineError",
    ].includes(name)
  )
    return;
  if (process.env.TIL_IPFS_DEBUG) console.error("rpc:", err);
}
