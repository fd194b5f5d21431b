/**
 * The IPFS Pinning Service API over HTTP (`til ipfs daemon --pinning-api HOST:PORT`): `/pins` GET
 * and POST, `/pins/{requestid}` GET, POST (replace) and DELETE, each authorised by a bearer token,
 * errors as the spec's `Failure` body. Any origin may call it from a browser (CORS open): it is
 * authorised by the token, never by cookies.
 */
import http from "node:http";
import { answerMalformedRequests, discardUnreadBody } from "../rpc/http-io.ts";
import type { PinningService } from "./service.ts";
import { badRequest, failureBody, MAX_BODY_BYTES, PinningApiError, parsePin } from "./spec.ts";

/** Largest Pin body accepted (a Pin with 20 origins and some meta is a few KiB). */
const MAX_PIN_BODY_BYTES = 256 * 1024;

export function createPinningServer(service: PinningService): http.Server {
  const server = http.createServer(async (req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE");
      res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.setHeader("Access-Control-Max-Age", "600");
      res.writeHead(204).end();
      return;
    }
    try {
      const url = new URL(req.url ?? "/", "http://pinning.invalid");
      const match = /^\/pins(?:\/([^/]+))?\/?$/.exec(url.pathname);
      if (!match) throw new PinningApiError(404, "NOT_FOUND", `No such endpoint: ${url.pathname.slice(0, 100)} (the API is /pins and /pins/{requestid})`);
      const token = await service.authenticate(req.headers.authorization);
      const requestid = match[1] === undefined ? undefined : decodeSegment(match[1]);
      if (requestid === undefined) {
        if (req.method === "GET") return sendJson(res, 200, service.list(token, url.searchParams));
        if (req.method === "POST") return sendJson(res, 202, await service.add(token, parsePin(await readJson(req))));
      } else {
        if (req.method === "GET") return sendJson(res, 200, service.get(token, requestid));
        if (req.method === "POST") return sendJson(res, 202, await service.replace(token, requestid, parsePin(await readJson(req))));
        if (req.method === "DELETE") {
          await service.remove(token, requestid);
          res.writeHead(202).end();
          return;
        }
      }
      throw new PinningApiError(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${url.pathname.slice(0, 100)}`);
    } catch (err) {
      const known = err instanceof PinningApiError ? err : undefined;
      if (!known && process.env.TIL_IPFS_DEBUG) console.error("pinning api:", err);
      if (res.headersSent) return void res.destroy();
      sendJson(
        res,
        known?.status ?? 500,
        failureBody(known?.reason ?? "INTERNAL_SERVER_ERROR", known?.message ?? `The service failed: ${(err as Error)?.message ?? String(err)}`),
      );
      discardUnreadBody(req);
    }
  });
  answerMalformedRequests(server);
  return server;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest("the request id in the path is not valid percent-encoding");
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const limit = Math.min(MAX_PIN_BODY_BYTES, MAX_BODY_BYTES);
  if (Number(req.headers["content-length"] ?? 0) > limit) throw new PinningApiError(413, "PAYLOAD_TOO_LARGE", `A Pin body is at most ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PinningApiError(413, "PAYLOAD_TOO_LARGE", `A Pin body is at most ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw badRequest("the body is not JSON: send a Pin object with Content-Type: application/json");
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
