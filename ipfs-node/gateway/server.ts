/**
 * The HTTP gateway: the path gateway (`GET|HEAD /ipfs/<cid>[/path]`: files, index.html,
 * directory listings, ranges, immutable caching), the subdomain gateway of Kubo's `localhost`
 * (`http://<cidv1-base32>.ipfs.localhost:<port>/[path]`, each content root on its own origin) and
 * the trustless gateway (`application/vnd.ipld.raw` and `application/vnd.ipld.car`, by Accept
 * header or `?format=`), with CORS open for reads, as public gateways do. A missing block is
 * a 504: at once offline; online, once the store could not fetch it from peers or trustless
 * gateways within the fetch timeout (ipfs-node/network/swarm.ts).
 *
 * Origins. A path request whose Host is `localhost` is redirected (301) to the subdomain form, as
 * Kubo's `localhost` gateway does. A loopback IP (127.0.0.1, ::1) is Kubo's path gateway, one
 * origin shared by all content, for tools (curl, the CLI, the verified readers' raw blocks): a
 * browser opening a page there (`Sec-Fetch-Mode: navigate`, not a trustless format) is redirected
 * to the subdomain form too, so the app and every entry land on origins of their own; everything
 * else is served on the path form, inert (below). Any other Host is a plain path gateway.
 *
 * Active content. Every response carries `X-Content-Type-Options: nosniff` and the sandbox CSP
 * ({@link SANDBOX_CSP}: no script, whatever a browser takes the bytes for), except one document
 * per content root: the root directory's index.html on the root's own subdomain origin. That one
 * gets the entry page's CSP when the root is a TIL entry (index.md and metadata.json beside it)
 * and none otherwise (a site, such as the app added to IPFS). A file's type comes from its own
 * name, else from sniffing, which never answers HTML, SVG or XML; `?filename=` only names the
 * download (an attachment when the name is of an active type) and never changes the type.
 */
import http from "node:http";
import type { UnixFSEntry } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import { ENTRY_FILES } from "#core/entry/pack.ts";
import { ENTRY_PAGE_CSP, escapeHtml } from "#core/entry/page.ts";
import { CidTooLongForSubdomainError, isLocalGatewayHostname, LOCAL_SUBDOMAIN_PARENT, subdomainLabel } from "#core/gateway-url.ts";
import { InvalidArgumentError, IpfsNodeError, PathNotFoundError, UnsupportedError } from "../errors.ts";
import { isIdentityCid, readBlock } from "../identity-blocks.ts";
import { listDirectory, parseCid, resolveEntry, resolvePathEntries, type IpfsPath } from "../ipfs-path.ts";
import { answerMalformedRequests } from "../rpc/http-io.ts";
import type { IpfsStore } from "../store.ts";
import { carBlock, carHeader } from "./car.ts";
import { fileRangeBlocks, parseEntityBytes, resolveEntityBytes, type EntityBytes } from "./entity-bytes.ts";
import { tarStream } from "./tar.ts";
import { contentTypeFromName, isActiveContentType, sniffContentType } from "./content-type.ts";
import { directoryListingHtml, type ListedEntry } from "./directory-listing.ts";
import { SmallFileCache, type SmallFileResponse } from "./small-files.ts";

export interface GatewayServerOptions {
  store: IpfsStore;
}

const IMMUTABLE = "public, max-age=29030400, immutable";
const SMALL_BODY_BYTES = 64 * 1024;
const RAW_TYPE = "application/vnd.ipld.raw";
const CAR_TYPE = "application/vnd.ipld.car";
const TAR_TYPE = "application/x-tar";
const CODEC_TYPES: Record<number, string> = {
  113: "application/vnd.ipld.dag-cbor",
  297: "application/vnd.ipld.dag-json",
  512: "application/json",
  81: "application/cbor",
};

/**
 * The Content-Security-Policy of every gateway response but a site's own index.html: `sandbox`
 * without `allow-scripts` means no script runs even in a document a browser renders as HTML or
 * SVG, on an opaque origin; images of the same origin and inline styles still show.
 */
const SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";
const SUBDOMAIN_SUFFIX = `.${LOCAL_SUBDOMAIN_PARENT}`;

/**
 * What a request asks for. `content`: `contentPath` (`/ipfs/<cid>/<path>`, still percent-encoded)
 * read on its own origin (the subdomain gateway) or on the origin all content shares (the path
 * gateway); `requestPath` is the URL path as requested. `redirect`: a 301 to the subdomain form.
 */
type Route = { kind: "content"; contentPath: string; requestPath: string; origin: "own" | "shared" } | { kind: "redirect"; location: string };

interface GatewayRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  ipfsPath: IpfsPath;
  /** The URL path as requested (still percent-encoded). */
  requestPath: string;
  /** `/ipfs/<cid>/<path>` (still percent-encoded): the request path on the path gateway, the host's CID then the path on a subdomain. */
  contentPath: string;
  /** On its own origin (subdomain) or the shared one (path form). */
  origin: "own" | "shared";
  /** Key of the ready-made response for this request (content path and origin kind). */
  cacheKey: string;
  query: URLSearchParams;
  head: boolean;
  signal: AbortSignal;
  /**
   * Resolved paths of small files, by path: content is immutable, so a path always names the
   * same entry, until gc may have removed it (the store's generation tells).
   */
  resolvedFiles: Map<string, { entry: UnixFSEntry; generation: number }>;
  smallFiles: SmallFileCache;
  /** The store's gc generation when the request started (responses read now belong to it). */
  generation: number;
}

export function createGatewayServer({ store }: GatewayServerOptions): http.Server {
  const resolvedFiles = new Map<string, { entry: UnixFSEntry; generation: number }>();
  const smallFiles = new SmallFileCache(SMALL_FILE_CACHE_BYTES);
  const server = http.createServer(async (req, res) => {
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    const urlPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? "" : url.slice(queryAt + 1);
    const query = new URLSearchParams(rawQuery);
    const format = responseFormat(req, query);
    let routed: Route;
    try {
      routed = route(req, urlPath, rawQuery, format);
    } catch (err) {
      return sendError(res, err);
    }
    // fast path: a small file answered before, asked for again as plain GET/HEAD
    if (
      routed.kind === "content" &&
      rawQuery === "" &&
      (req.method === "GET" || req.method === "HEAD") &&
      req.headers.range === undefined &&
      format === "unixfs"
    ) {
      const ready = smallFiles.get(cacheKeyOf(routed), store.generation);
      if (ready) return sendSmallFile(req, res, ready);
    }
    setResponseHeaders(res);
    if (req.method === "OPTIONS") return void res.writeHead(200).end();
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "405 - Method Not Allowed: the gateway is read-only (GET, HEAD)");
    if (routed.kind === "redirect") return sendRedirect(req, res, routed.location);

    const { contentPath, requestPath, origin } = routed;
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort(new Error("the client closed the connection"));
    });
    try {
      if (!contentPath.startsWith("/ipfs/")) throw new PathNotFoundError(`${contentPath} is not served here: request /ipfs/<cid>[/path]`);
      const segments = contentPath.slice(6).split("/").map(decodeSegment);
      const ipfsPath: IpfsPath = { root: parseCid(segments[0]), segments: segments.slice(1).filter((segment) => segment !== "") };
      const request: GatewayRequest = {
        req,
        res,
        ipfsPath,
        requestPath,
        contentPath,
        origin,
        cacheKey: cacheKeyOf(routed),
        query,
        head: req.method === "HEAD",
        signal: abort.signal,
        resolvedFiles,
        smallFiles,
        generation: store.generation,
      };
      if (format === "raw") await sendRawBlock(store, request);
      else if (format === "car") await sendCar(store, request);
      else if (format === "unixfs") await sendUnixfs(store, request);
      else if (format.mediaType === TAR_TYPE) await sendTar(store, request);
      else await sendCodecBlock(store, request, format.mediaType);
    } catch (err) {
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      sendError(res, err);
    }
  });
  answerMalformedRequests(server);
  return server;
}

/**
 * Where a request goes, from its Host and path: a subdomain of `ipfs.localhost` reads its CID's
 * content on its own origin; a path request on `localhost` is redirected to that form (Kubo's
 * `localhost` gateway), and so is a browser's navigation to a page on a loopback IP; anything
 * else is the path gateway.
 */
function route(req: http.IncomingMessage, urlPath: string, rawQuery: string, format: ResponseFormat): Route {
  const { hostname, port } = splitHost(req.headers.host ?? "");
  if (hostname.endsWith(SUBDOMAIN_SUFFIX)) {
    const label = hostname.slice(0, -SUBDOMAIN_SUFFIX.length);
    return { kind: "content", contentPath: `/ipfs/${label}${urlPath.startsWith("/") ? urlPath : `/${urlPath}`}`, requestPath: urlPath, origin: "own" };
  }
  const browserOpensPage = format === "unixfs" && req.headers["sec-fetch-mode"] === "navigate";
  if (urlPath.startsWith("/ipfs/") && isLocalGatewayHostname(hostname) && (hostname === "localhost" || browserOpensPage)) {
    return { kind: "redirect", location: subdomainLocation(urlPath, rawQuery, port) };
  }
  return { kind: "content", contentPath: urlPath, requestPath: urlPath, origin: "shared" };
}

function cacheKeyOf(routed: Extract<Route, { kind: "content" }>): string {
  return `${routed.origin === "own" ? "o" : "s"}${routed.contentPath}`;
}

/** Host header split into a lower-case host name (IPv6 without brackets) and port. */
function splitHost(host: string): { hostname: string; port: string } {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]");
    return { hostname: lower.slice(1, end), port: lower.slice(end + 2) };
  }
  const colon = lower.lastIndexOf(":");
  return colon === -1 ? { hostname: lower, port: "" } : { hostname: lower.slice(0, colon), port: lower.slice(colon + 1) };
}

/**
 * The subdomain URL of a path request: root CID as CIDv1 in base32 (the spec's DNS label), path
 * and query kept. Only the root CID is checked here; the rest is resolved after the redirect.
 */
function subdomainLocation(urlPath: string, rawQuery: string, port: string): string {
  const afterPrefix = urlPath.slice("/ipfs/".length);
  const slash = afterPrefix.indexOf("/");
  const root = decodeSegment(slash === -1 ? afterPrefix : afterPrefix.slice(0, slash));
  const rest = slash === -1 ? "" : afterPrefix.slice(slash + 1);
  let label: string;
  try {
    label = subdomainLabel(parseCid(root));
  } catch (err) {
    if (err instanceof CidTooLongForSubdomainError) throw new InvalidArgumentError(err.message);
    throw err;
  }
  const location = `http://${label}.${LOCAL_SUBDOMAIN_PARENT}${port === "" ? "" : `:${port}`}/${rest}${rawQuery === "" ? "" : `?${rawQuery}`}`;
  // a header value is ASCII: bytes of the request line outside it are percent-encoded
  return location.replace(/[^\x21-\x7e]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

function sendRedirect(req: http.IncomingMessage, res: http.ServerResponse, location: string): void {
  const body = `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n`;
  res.writeHead(301, { Location: location, "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** A percent-decoded path segment; 400 when it does not decode (a stray `%`, or bytes that are not UTF-8). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new InvalidArgumentError(`invalid path: the segment "${segment}" is not percent-encoded UTF-8`, { cause: err });
  }
}

/**
 * Headers of every response (flat name, value list): CORS for reads, open to every origin as
 * public gateways are, nosniff, and the sandbox CSP (which a site's own index.html drops).
 */
const RESPONSE_HEADERS = [
  "Access-Control-Allow-Origin",
  "*",
  "Access-Control-Allow-Methods",
  "GET, HEAD, OPTIONS",
  "Access-Control-Allow-Headers",
  "Content-Type, Range, User-Agent, X-Requested-With, Accept, If-None-Match",
  "Access-Control-Expose-Headers",
  "Content-Range, Content-Length, X-Ipfs-Path, X-Ipfs-Roots, X-Chunked-Output, X-Stream-Output, ETag",
  "X-Content-Type-Options",
  "nosniff",
];
const SMALL_FILE_CACHE_BYTES = 16 * 1024 * 1024;

function setResponseHeaders(res: http.ServerResponse): void {
  for (let i = 0; i < RESPONSE_HEADERS.length; i += 2) res.setHeader(RESPONSE_HEADERS[i], RESPONSE_HEADERS[i + 1]);
  res.setHeader("Content-Security-Policy", SANDBOX_CSP);
}

/** Answer from a ready-made small-file response, with all headers in one write. */
function sendSmallFile(req: http.IncomingMessage, res: http.ServerResponse, ready: SmallFileResponse): void {
  const common = [
    ...RESPONSE_HEADERS,
    "ETag",
    ready.etag,
    "Cache-Control",
    IMMUTABLE,
    "X-Ipfs-Path",
    ready.contentPath,
    "X-Ipfs-Roots",
    ready.roots,
    "Accept-Ranges",
    "bytes",
  ];
  if (ready.contentSecurityPolicy !== undefined) common.push("Content-Security-Policy", ready.contentSecurityPolicy);
  if (notModified(req, ready.etag)) return void res.writeHead(304, common).end();
  res.writeHead(200, [...common, "Content-Type", ready.contentType, "Content-Length", String(ready.bytes.byteLength)]);
  res.end(req.method === "HEAD" ? undefined : ready.bytes);
}

/**
 * What a request asks for: a raw block, a CAR, the deserialized (UnixFS) response, or one of the
 * other response formats of the gateway specs (`codec`: a TAR, or a block served as it is when
 * its codec is the one asked for, else refused: this node converts no codec).
 */
type ResponseFormat = "raw" | "car" | "unixfs" | { kind: "codec"; mediaType: string };

/** `?format=` values of the path gateway spec (IPIP-523) and the media types they name. */
const FORMAT_PARAMS: Record<string, string> = {
  raw: RAW_TYPE,
  car: CAR_TYPE,
  tar: TAR_TYPE,
  "dag-json": "application/vnd.ipld.dag-json",
  "dag-cbor": "application/vnd.ipld.dag-cbor",
  json: "application/json",
  cbor: "application/cbor",
  "ipns-record": "application/vnd.ipfs.ipns-record",
};
const FORMAT_MEDIA_TYPES = new Set(Object.values(FORMAT_PARAMS));

/**
 * The response format as boxo's gateway picks it: `?format=` first (an unknown value is ignored),
 * else the first explicit, format-specific type of the Accept header; its parameters come along
 * (a CAR's `version`, `order`, `dups`).
 */
function responseFormat(req: http.IncomingMessage, query: URLSearchParams): ResponseFormat {
  const fromQuery = FORMAT_PARAMS[query.get("format") ?? ""];
  const accepted = acceptedFormat(req.headers.accept ?? "");
  const mediaType = fromQuery ?? accepted?.mediaType;
  if (mediaType === undefined) return "unixfs";
  if (mediaType === RAW_TYPE) return "raw";
  if (mediaType === CAR_TYPE) return "car";
  return { kind: "codec", mediaType };
}

function acceptedFormat(accept: string): { mediaType: string; params: Map<string, string> } | undefined {
  for (const value of accept.split(",")) {
    const [type, ...params] = value.split(";").map((piece) => piece.trim());
    const mediaType = type.toLowerCase();
    if (!FORMAT_MEDIA_TYPES.has(mediaType) && !mediaType.startsWith("application/vnd.ipld") && !mediaType.startsWith("application/vnd.ipfs")) continue;
    const parsed = new Map<string, string>();
    for (const param of params) {
      const at = param.indexOf("=");
      if (at > 0)
        parsed.set(
          param.slice(0, at).trim().toLowerCase(),
          param
            .slice(at + 1)
            .trim()
            .replace(/^"(.*)"$/, "$1"),
        );
    }
    return { mediaType, params: parsed };
  }
  return undefined;
}

/** Codecs whose blocks are served as they are when their own format is asked for. */
const CODEC_OF_MEDIA_TYPE: Record<string, number> = {
  "application/vnd.ipld.dag-json": 0x0129,
  "application/vnd.ipld.dag-cbor": 0x71,
  "application/json": 0x0200,
  "application/cbor": 0x51,
};

/**
 * `?format=tar`: the UnixFS file or directory as a TAR stream named by its CID (see tar.ts). An
 * error once the stream has started ends it with the message, as Kubo does (a corrupt TAR whose
 * tail says what went wrong).
 */
async function sendTar(store: IpfsStore, request: GatewayRequest): Promise<void> {
  const { res, signal } = request;
  const entry = await terminalEntry(store, request);
  if (entry.type === "object") throw new UnsupportedError("a TAR holds UnixFS files and directories; ask for this block with ?format=raw");
  const name = entry.cid.toString();
  const etag = `W/"${name}.x-tar"`;
  commonHeaders(res, request, [request.ipfsPath.root.toString()]);
  res.setHeader("Vary", "Accept");
  res.setHeader("ETag", etag);
  if (notModified(request.req, etag)) return void res.writeHead(304).end();
  const filename = request.query.get("filename") || `${name}.tar`;
  res.writeHead(200, {
    "Content-Type": TAR_TYPE,
    "Content-Disposition": `attachment; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    "X-Content-Type-Options": "nosniff",
  });
  if (request.head) return void res.end();
  try {
    for await (const piece of tarStream(entry, name, (cid) => resolveEntry(store, { root: cid, segments: [] }, signal), signal)) await write(res, piece);
  } catch (err) {
    if (!res.destroyed) res.end((err as Error).message);
    return;
  }
  res.end();
}

/**
 * `dag-json`, `dag-cbor`, `json`, `cbor`, `ipns-record`: a block whose codec is the one
 * asked for is served as it is (no conversion needed); anything else is refused with 501, never
 * answered with another format than the one asked for.
 */
async function sendCodecBlock(store: IpfsStore, request: GatewayRequest, mediaType: string): Promise<void> {
  const { res, ipfsPath, signal } = request;
  const cid = ipfsPath.segments.length === 0 ? ipfsPath.root : (await terminalEntry(store, request)).cid;
  if (CODEC_OF_MEDIA_TYPE[mediaType] !== cid.code) {
    throw new UnsupportedError(
      `${mediaType} responses for this content are not implemented by this node (it converts no codec); ask for the raw block (?format=raw) or a CAR (?format=car)`,
    );
  }
  const bytes = await readBlock(store, cid, signal);
  const etag = `"${cid}.${mediaType.slice(mediaType.lastIndexOf("/") + 1)}"`;
  commonHeaders(res, request, [ipfsPath.root.toString()]);
  res.setHeader("Vary", "Accept");
  res.setHeader("ETag", etag);
  if (notModified(request.req, etag)) return void res.writeHead(304).end();
  res.writeHead(200, { "Content-Type": mediaType, "Content-Length": bytes.byteLength });
  res.end(request.head ? undefined : bytes);
}

/**
 * CAR parameters as boxo's gateway checks them: version 1 only (400 otherwise), order `dfs` or
 * `unk` (always answered in DFS order), duplicates `n` (the default) or `y`. Returns whether
 * blocks are repeated where the DAG repeats them.
 */
function carDuplicates(request: GatewayRequest): boolean {
  const accepted = acceptedFormat(request.req.headers.accept ?? "");
  const params = accepted?.mediaType === CAR_TYPE ? accepted.params : new Map<string, string>();
  const version = request.query.get("car-version") || params.get("version") || "";
  if (version !== "" && version !== "1") throw new InvalidArgumentError("unsupported application/vnd.ipld.car version: only version=1 is supported");
  const order = request.query.get("car-order") || params.get("order") || "";
  if (order !== "" && order !== "dfs" && order !== "unk")
    throw new InvalidArgumentError(`unsupported application/vnd.ipld.car block order parameter: "${order}"`);
  const dups = request.query.get("car-dups") || params.get("dups") || "";
  if (dups !== "" && dups !== "n" && dups !== "y") throw new InvalidArgumentError(`unsupported application/vnd.ipld.car dups parameter: "${dups}"`);
  return dups === "y";
}

/** Every block of a DAG in DFS order, a block again each time the DAG links it again (`dups=y`). */
async function* walkWithDuplicates(store: IpfsStore, cid: CID, signal: AbortSignal): AsyncGenerator<CID> {
  signal.throwIfAborted();
  yield cid;
  if (isIdentityCid(cid)) return;
  for (const link of await store.linksOf(cid, signal)) yield* walkWithDuplicates(store, link, signal);
}

const RESOLVED_FILES_MAX = 4096;
const RESOLVED_FILE_MAX_BYTES = 1024 * 1024;

async function terminalEntry(store: IpfsStore, { ipfsPath, signal, resolvedFiles, generation }: GatewayRequest): Promise<UnixFSEntry> {
  const key = `${ipfsPath.root}/${ipfsPath.segments.join("/")}`;
  const cached = resolvedFiles.get(key);
  // a resolved entry may carry its data (a one-block file): it is only good until the next gc
  if (cached && cached.generation === generation) return cached.entry;
  const entry = await resolveEntry(store, ipfsPath, signal);
  if ((entry.type === "file" || entry.type === "raw") && entry.size <= BigInt(RESOLVED_FILE_MAX_BYTES)) {
    if (resolvedFiles.size >= RESOLVED_FILES_MAX) resolvedFiles.delete(resolvedFiles.keys().next().value as string);
    // only what serving needs: the exporter's entry holds the root block (a whole one-block file)
    const { type, name, path, cid, size, content } = entry;
    resolvedFiles.set(key, { entry: { type, name, path, cid, depth: 0, size, content } as unknown as UnixFSEntry, generation });
  }
  return entry;
}

function commonHeaders(res: http.ServerResponse, request: GatewayRequest, roots: string[]): void {
  res.setHeader("X-Ipfs-Path", request.contentPath);
  res.setHeader("X-Ipfs-Roots", roots.join(","));
  res.setHeader("Cache-Control", IMMUTABLE);
}

function notModified(req: http.IncomingMessage, etag: string): boolean {
  const ifNoneMatch = req.headers["if-none-match"];
  return ifNoneMatch !== undefined && (ifNoneMatch === "*" || ifNoneMatch.split(",").some((tag) => tag.trim() === etag));
}

async function sendRawBlock(store: IpfsStore, request: GatewayRequest): Promise<void> {
  const { res, ipfsPath, signal } = request;
  const cid = ipfsPath.segments.length === 0 ? ipfsPath.root : (await terminalEntry(store, request)).cid;
  const bytes = await readBlock(store, cid, signal);
  const etag = `"${cid}.raw"`;
  commonHeaders(res, request, [ipfsPath.root.toString()]);
  res.setHeader("Vary", "Accept");
  res.setHeader("ETag", etag);
  if (notModified(request.req, etag)) return void res.writeHead(304).end();
  res.writeHead(200, {
    "Content-Type": RAW_TYPE,
    "Content-Length": bytes.byteLength,
    "Content-Disposition": `attachment; filename="${cid}.bin"`,
    "X-Content-Type-Options": "nosniff",
  });
  res.end(request.head ? undefined : bytes);
}

async function sendCar(store: IpfsStore, request: GatewayRequest): Promise<void> {
  const { res, ipfsPath, signal } = request;
  const scope = request.query.get("dag-scope") ?? "all";
  if (!["all", "entity", "block"].includes(scope)) throw new InvalidArgumentError(`dag-scope must be all, entity or block, not "${scope}"`);
  const duplicates = carDuplicates(request);
  const entityBytes = request.query.has("entity-bytes") ? parseEntityBytes(request.query.get("entity-bytes") ?? "") : undefined;
  const pathEntries = ipfsPath.segments.length === 0 ? [] : await resolvePathEntries(store, ipfsPath, signal);
  const terminal = pathEntries.length > 0 ? pathEntries[pathEntries.length - 1].cid : ipfsPath.root;
  // check the terminal block is here before promising a 200
  await readBlock(store, terminal, signal);
  // entity-bytes applies to a file (a dag-pb UnixFS file or a raw block), else it is ignored
  const terminalEntry = entityBytes === undefined ? undefined : await resolveEntry(store, { root: terminal, segments: [] }, signal);
  const fileRange =
    terminalEntry && (terminalEntry.type === "file" || terminalEntry.type === "raw")
      ? (resolveEntityBytes(entityBytes as EntityBytes, Number(terminalEntry.size)) ?? "none")
      : undefined;
  const etag = `W/"${terminal}.car.${scope}${fileRange === undefined ? "" : fileRange === "none" ? ".none" : `.${fileRange.first}-${fileRange.last}`}"`;
  const pathBlocks = pathEntries.length > 0 ? pathEntries[pathEntries.length - 1].roots : [];
  commonHeaders(res, request, pathEntries.length > 0 ? pathEntries.map((entry) => entry.cid.toString()) : [terminal.toString()]);
  res.setHeader("Vary", "Accept");
  res.setHeader("ETag", etag);
  if (notModified(request.req, etag)) return void res.writeHead(304).end();
  res.writeHead(200, {
    "Content-Type": `${CAR_TYPE}; version=1; order=dfs; dups=${duplicates ? "y" : "n"}`,
    "Content-Disposition": `attachment; filename="${terminal}.car"`,
    "X-Content-Type-Options": "nosniff",
  });
  if (request.head) return void res.end();
  await write(res, carHeader(ipfsPath.root));
  const sent = new Set<string>();
  const send = async (cid: CID, again = false) => {
    const key = cid.toString();
    if (sent.has(key) && !again) return;
    sent.add(key);
    for (const piece of carBlock(cid, await readBlock(store, cid, signal))) await write(res, piece);
  };
  for (const cid of pathBlocks) await send(cid);
  if (
    scope === "block" ||
    fileRange === "none" ||
    isIdentityCid(terminal) ||
    (scope === "entity" && terminal.code === 0x70 && (await isDirectory(store, terminal)))
  ) {
    await send(terminal);
  } else if (fileRange) {
    for await (const cid of fileRangeBlocks(store, terminal, fileRange, signal)) await send(cid);
  } else if (duplicates) {
    let first = true;
    // the terminal block was sent with the path; below it, every block each time it is linked
    for await (const cid of walkWithDuplicates(store, terminal, signal)) {
      await send(cid, !(first && sent.has(cid.toString())));
      first = false;
    }
  } else {
    for await (const cid of store.walkDag(terminal, signal)) await send(cid);
  }
  res.end();
}

async function isDirectory(store: IpfsStore, cid: CID): Promise<boolean> {
  const entry = await resolveEntry(store, { root: cid, segments: [] });
  return entry.type === "directory";
}

async function sendUnixfs(store: IpfsStore, request: GatewayRequest): Promise<void> {
  const { res, req, ipfsPath, signal } = request;
  const entry = await terminalEntry(store, request);
  const roots = [ipfsPath.root.toString()];
  if (entry.type === "directory") {
    if (!request.requestPath.endsWith("/")) {
      const query = request.query.toString();
      res.writeHead(301, { Location: `${request.requestPath}/${query ? `?${query}` : ""}` });
      return void res.end();
    }
    let index: UnixFSEntry | undefined;
    try {
      index = await resolveEntry(store, { root: entry.cid, segments: ["index.html"] }, signal);
    } catch (err) {
      if (!(err instanceof PathNotFoundError)) throw err;
    }
    if (index && index.type !== "directory") {
      const policy = ipfsPath.segments.length === 0 ? await rootIndexPolicy(store, request, entry.cid) : SANDBOX_CSP;
      return sendFile(request, index, "index.html", roots, policy);
    }
    const listed: ListedEntry[] = (await listDirectory(store, entry, signal)).map((child) => ({ ...child, cid: child.cid.toString() }));
    const html = directoryListingHtml(decodeURI(request.requestPath), entry.cid.toString(), listed);
    const etag = `"DirIndex-${entry.cid}"`;
    commonHeaders(res, request, roots);
    res.setHeader("ETag", etag);
    if (notModified(req, etag)) return void res.writeHead(304).end();
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(html) });
    return void res.end(request.head ? undefined : html);
  }
  if (entry.type === "object") {
    const bytes = await readBlock(store, entry.cid, signal);
    commonHeaders(res, request, roots);
    res.setHeader("ETag", `"${entry.cid}"`);
    res.writeHead(200, { "Content-Type": CODEC_TYPES[entry.cid.code] ?? "application/octet-stream", "Content-Length": bytes.byteLength });
    return void res.end(request.head ? undefined : bytes);
  }
  const name = ipfsPath.segments[ipfsPath.segments.length - 1];
  const policy = ipfsPath.segments.length === 1 && name === ENTRY_FILES.html ? await rootIndexPolicy(store, request, ipfsPath.root) : SANDBOX_CSP;
  return sendFile(request, entry, name, roots, policy);
}

/**
 * The CSP of the content root's index.html: none on the root's own origin for a site (the app
 * added to IPFS runs its scripts there), the entry page's own policy for a TIL entry, the sandbox
 * on the origin all content shares.
 */
async function rootIndexPolicy(store: IpfsStore, request: GatewayRequest, root: CID): Promise<string | undefined> {
  if (request.origin !== "own") return SANDBOX_CSP;
  const has = async (name: string) => {
    try {
      await resolveEntry(store, { root, segments: [name] }, request.signal);
      return true;
    } catch (err) {
      if (err instanceof PathNotFoundError) return false;
      throw err;
    }
  };
  return (await has(ENTRY_FILES.markdown)) && (await has(ENTRY_FILES.metadata)) ? ENTRY_PAGE_CSP : undefined;
}

async function sendFile(request: GatewayRequest, entry: UnixFSEntry, name: string | undefined, roots: string[], policy: string | undefined): Promise<void> {
  const { res, req, signal } = request;
  if (entry.type === "directory" || entry.type === "object") throw new IpfsNodeError("not a file");
  const size = Number(entry.size);
  const etag = `"${entry.cid}"`;
  if (policy === undefined) res.removeHeader("Content-Security-Policy");
  else res.setHeader("Content-Security-Policy", policy);
  commonHeaders(res, request, roots);
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  if (notModified(req, etag)) return void res.writeHead(304).end();

  const range = parseRange(req.headers.range, size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { "Content-Range": `bytes */${size}`, "Content-Type": "text/plain; charset=utf-8" });
    return void res.end("416 - Range Not Satisfiable\n");
  }
  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  const content = entry.content({ offset: start, length, signal })[Symbol.asyncIterator]();
  let first = length > 0 ? await content.next() : { done: true as const, value: undefined };
  // ?filename= names the download, never its type; ?download=true, or a name of a type that runs
  // script, makes it an attachment
  const filename = request.query.get("filename") ?? undefined;
  if (filename) {
    const disposition = request.query.get("download") === "true" || isActiveContentType(contentTypeFromName(filename)) ? "attachment" : "inline";
    res.setHeader(
      "Content-Disposition",
      `${disposition}; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    );
  }
  let contentType = contentTypeFromName(name);
  if (!contentType) {
    let head: Uint8Array = first.done ? new Uint8Array(0) : first.value;
    if (start !== 0 || head.length < Math.min(512, size)) {
      head = await collect(entry.content({ offset: 0, length: Math.min(512, size), signal }));
    }
    contentType = sniffContentType(head);
  }
  const headers: http.OutgoingHttpHeaders = { "Content-Type": contentType, "Content-Length": length };
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${size}`;
  if (request.head) {
    await content.return?.(undefined);
    res.writeHead(range ? 206 : 200, headers);
    return void res.end();
  }
  if (length <= SMALL_BODY_BYTES) {
    // small bodies go out with their headers in one write
    const chunks: Uint8Array[] = [];
    while (!first.done) {
      chunks.push(first.value);
      first = await content.next();
    }
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (!range && request.query.size === 0) {
      request.smallFiles.set(request.cacheKey, {
        bytes: body,
        contentType,
        contentSecurityPolicy: policy,
        contentPath: request.contentPath,
        etag,
        roots: roots.join(","),
        generation: request.generation,
      });
    }
    res.writeHead(range ? 206 : 200, headers);
    return void res.end(body);
  }
  res.writeHead(range ? 206 : 200, headers);
  // each piece is a view of a block (no copy); the last one goes out with end()
  while (!first.done) {
    const piece = first.value;
    first = await content.next();
    if (first.done) return void res.end(piece);
    await write(res, piece);
  }
  res.end();
}

/** A single `bytes=` range; multiple ranges are answered with the whole file. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Bytes a response may have queued before its writer waits for the client: pieces are views of
 * blocks, so a few blocks' worth per response costs no copies and saves a round of the event
 * loop per piece.
 */
const QUEUED_BYTES_MAX = 1024 * 1024;

async function write(res: http.ServerResponse, chunk: Uint8Array): Promise<void> {
  if (res.destroyed) throw new Error("the client closed the connection");
  if (!res.write(chunk) && res.writableLength > QUEUED_BYTES_MAX) {
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }
}

function sendError(res: http.ServerResponse, err: unknown): void {
  const status = err instanceof IpfsNodeError ? err.gatewayStatus : 500;
  if (status === 500 && process.env.TIL_IPFS_DEBUG) console.error("gateway:", err);
  if (!res.hasHeader("X-Content-Type-Options")) setResponseHeaders(res);
  res.setHeader("Content-Security-Policy", SANDBOX_CSP);
  sendText(res, status, (err as Error).message);
}

function sendText(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(message.endsWith("\n") ? message : `${message}\n`);
}
