/**
 * Request and response plumbing shared by the Kubo RPC routes: query arguments with Kubo's
 * parsing rules, Kubo's error body, and streamed NDJSON output with the `X-Stream-Error` trailer.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { InvalidArgumentError, IpfsNodeError, PayloadTooLargeError, RequestParseError } from "../errors.ts";

export interface RpcRequest {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  uploadLimitBytes: number;
}

export type RpcHandler = (request: RpcRequest) => Promise<void>;

/** Kubo's JSON error body. */
function kuboErrorBody(message: string, code: number): string {
  return `${JSON.stringify({ Message: message, Code: code, Type: "error" })}\n`;
}

/** Answer with an error, or, if the response already started, end it with the stream-error trailer. */
export function sendError(res: ServerResponse, err: unknown): void {
  const known = err instanceof IpfsNodeError ? err : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    if (!res.writableEnded && !res.destroyed) {
      if (res.getHeader("Trailer") === STREAM_ERROR_TRAILER) res.addTrailers({ [STREAM_ERROR_TRAILER]: message.replace(/[\r\n]+/g, " ") });
      res.end();
    }
    return;
  }
  const status = known?.rpcStatus ?? 500;
  if (known?.rpcPlainText) {
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    return void res.end(`${message}\n`);
  }
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(kuboErrorBody(message, known?.kuboCode ?? 0));
}

export function sendJson(res: ServerResponse, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Start a streamed 200 answer as go-ipfs-cmds does: every streamed response announces the
 * `X-Stream-Error` trailer, through `setHeader` so that {@link sendError} sees it whatever else
 * was set before (a header object given to `writeHead` is invisible to `getHeader`).
 */
export function startStreamedOutput(res: ServerResponse, headers: Record<string, string>): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("Trailer", STREAM_ERROR_TRAILER);
  res.writeHead(200);
}

/** The trailer that carries an error met after a streamed answer started. */
const STREAM_ERROR_TRAILER = "X-Stream-Error";

/** Streamed NDJSON output as Kubo sends it (chunked, with a trailer for late errors). */
export class NdjsonStream {
  readonly #res: ServerResponse;
  constructor(res: ServerResponse) {
    this.#res = res;
  }
  #start(): void {
    startStreamedOutput(this.#res, { "Content-Type": "application/json", "X-Chunked-Output": "1" });
  }
  /** Write one line, waiting for the socket to drain when it is full. */
  async write(value: unknown): Promise<void> {
    this.#start();
    if (!this.#res.write(`${JSON.stringify(value)}\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#res.off("drain", done);
          this.#res.off("close", done);
          resolve();
        };
        this.#res.on("drain", done);
        this.#res.on("close", done);
      });
    }
  }
  end(): void {
    this.#start();
    this.#res.end();
  }
}

/** The required `arg` query values; Kubo's 400 error when there are none. */
export function requiredArgs(query: URLSearchParams, argName: string): string[] {
  const args = query.getAll("arg").filter((arg) => arg !== "");
  if (args.length === 0) throw new RequestParseError(`argument "${argName}" is required`);
  return args;
}

/** A boolean option with Go's strconv.ParseBool rules; a bare `?flag` means true. */
export function boolOption(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (["", "1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new RequestParseError(`could not convert value "${value}" to type "bool" (for option "-${name}")`);
}

/** A non-negative integer option. */
export function intOption(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw new RequestParseError(`could not convert value "${value}" to type "int" (for option "-${name}")`);
  const number = Number(value);
  if (number < 0) throw new InvalidArgumentError(`${name} must be non-negative, got ${number}`);
  return number;
}

/**
 * An integer option as go-ipfs-cmds parses it (Go's strconv with base 0: `0x`, `0o`, `0b` and a
 * leading `0` for octal, so `mode=0644` is octal); Kubo's 400 when it does not convert.
 */
export function goIntegerOption(query: URLSearchParams, name: string, type: "int64" | "uint" | "uint64"): bigint | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const refuse = () =>
    new RequestParseError(`could not convert ${value === "" ? "empty value" : `value "${value}"`} to type "${type}" (for option "-${name}")`);
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.exec(value.replace(/_/g, ""));
  if (!match || (type !== "int64" && match[1] !== "")) throw refuse();
  let digits = match[2];
  if (/^0[0-7]/.test(digits)) digits = `0o${digits.slice(1)}`;
  const number = BigInt(digits.toLowerCase()) * (match[1] === "-" ? -1n : 1n);
  const max = type === "uint" ? 0xffffffffn : type === "uint64" ? 0xffffffffffffffffn : 0x7fffffffffffffffn;
  if (number > max || number < (type === "int64" ? -max - 1n : 0n)) throw refuse();
  return number;
}

/**
 * Answer requests Node's HTTP parser refuses (malformed, headers too large) with a plain 400 and
 * close, as every server of the node does.
 */
export function answerMalformedRequests(server: Server): void {
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
}

/**
 * After an error answer to a request whose body was not read: read and drop the rest so the client
 * sees the answer, and cut off a client that keeps sending for more than 10 s.
 */
export function discardUnreadBody(req: IncomingMessage): void {
  if (req.complete) return;
  req.unpipe();
  req.resume();
  setTimeout(() => req.destroy(), 10_000).unref();
}

/** Refuse a body whose declared length is over the limit before reading it. */
export function checkDeclaredLength(req: IncomingMessage, limitBytes: number): void {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw new PayloadTooLargeError(limitBytes);
}
