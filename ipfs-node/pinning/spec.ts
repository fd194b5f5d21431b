/**
 * The IPFS Pinning Service API's objects (ipfs/pinning-services-api-spec, v1.0.0), shared by the
 * service this node can run (server.ts) and the client it uses for remote services (client.ts):
 * `Pin`, `PinStatus`, `PinResults`, the four statuses and the `Failure` error body
 * `{"error":{"reason","details"}}`. Everything read from the other side is checked here, with
 * the spec's bounds (a name of at most 255 characters, at most 20 origins, at most 1000 results).
 */
import { CID } from "multiformats/cid";

export const PIN_STATUSES = ["queued", "pinning", "pinned", "failed"] as const;
export type PinStatusName = (typeof PIN_STATUSES)[number];

export interface Pin {
  cid: string;
  name?: string;
  origins?: string[];
  meta?: Record<string, string>;
}

export interface PinStatus {
  requestid: string;
  status: PinStatusName;
  /** RFC 3339 timestamp, unique per request (pagination goes by it). */
  created: string;
  pin: Pin;
  delegates: string[];
  info?: Record<string, string>;
}

export interface PinResults {
  count: number;
  results: PinStatus[];
}

/** Spec bounds. */
export const MAX_PIN_NAME_LENGTH = 255;
export const MAX_ORIGINS = 20;
export const MAX_RESULTS = 1000;
export const DEFAULT_LIMIT = 10;
const MAX_META_ENTRIES = 1000;
/** Our own bounds for what the spec leaves open (a multiaddr, a meta key or value). */
const MAX_STRING_LENGTH = 1024;
/** Largest request or response body read, in bytes (a PinResults of 1000 results fits). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * An error answered with the spec's `Failure` body. `reason` is the machine code (the spec's
 * examples: BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, INSUFFICIENT_FUNDS, INTERNAL_SERVER_ERROR).
 */
export class PinningApiError extends Error {
  static name = "PinningApiError";
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, details: string) {
    super(details);
    this.name = "PinningApiError";
    this.status = status;
    this.reason = reason;
  }
}

export function badRequest(details: string): PinningApiError {
  return new PinningApiError(400, "BAD_REQUEST", details);
}

/** The spec's error body. */
export function failureBody(reason: string, details: string): { error: { reason: string; details: string } } {
  return { error: { reason, details } };
}

/** A `Pin` object from untrusted JSON, checked field by field; {@link PinningApiError} 400 otherwise. */
export function parsePin(value: unknown): Pin {
  if (!isRecord(value)) throw badRequest('the body must be a Pin object: {"cid": "<CID>", "name"?, "origins"?, "meta"?}');
  const { cid, name, origins, meta } = value;
  if (typeof cid !== "string" || cid.length > MAX_STRING_LENGTH) throw badRequest("Pin.cid is required and must be a CID string");
  try {
    CID.parse(cid);
  } catch {
    throw badRequest(`Pin.cid "${cid.slice(0, 100)}" is not a CID`);
  }
  const pin: Pin = { cid };
  if (name !== undefined) {
    if (typeof name !== "string" || name.length > MAX_PIN_NAME_LENGTH)
      throw badRequest(`Pin.name must be a string of at most ${MAX_PIN_NAME_LENGTH} characters`);
    pin.name = name;
  }
  if (origins !== undefined) {
    if (
      !Array.isArray(origins) ||
      origins.length > MAX_ORIGINS ||
      !origins.every((o) => typeof o === "string" && o.length <= MAX_STRING_LENGTH && o.startsWith("/"))
    )
      throw badRequest(`Pin.origins must be a list of at most ${MAX_ORIGINS} multiaddrs (strings starting with "/")`);
    pin.origins = [...new Set(origins as string[])];
  }
  if (meta !== undefined) pin.meta = parseStringMap(meta, "Pin.meta");
  return pin;
}

/** A string-to-string object (`Pin.meta`, `PinStatus.info`), bounded. */
export function parseStringMap(value: unknown, what: string): Record<string, string> {
  if (!isRecord(value)) throw badRequest(`${what} must be an object of strings`);
  const entries = Object.entries(value);
  if (entries.length > MAX_META_ENTRIES) throw badRequest(`${what} has more than ${MAX_META_ENTRIES} keys`);
  const out: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (typeof item !== "string" || key.length > MAX_STRING_LENGTH || item.length > MAX_STRING_LENGTH)
      throw badRequest(`${what} must map strings (at most ${MAX_STRING_LENGTH} characters) to strings`);
    out[key] = item;
  }
  return out;
}

/** A `PinStatus` from a service's answer; throws (a plain Error naming the field) when it is not one. */
export function parsePinStatus(value: unknown): PinStatus {
  if (!isRecord(value)) throw new Error("a PinStatus must be an object");
  const { requestid, status, created, pin, delegates, info } = value;
  if (typeof requestid !== "string" || requestid === "" || requestid.length > MAX_STRING_LENGTH) throw new Error("PinStatus.requestid is missing");
  if (!PIN_STATUSES.includes(status as PinStatusName))
    throw new Error(`PinStatus.status "${String(status).slice(0, 40)}" is not one of ${PIN_STATUSES.join(", ")}`);
  if (typeof created !== "string" || Number.isNaN(Date.parse(created))) throw new Error("PinStatus.created is not a timestamp");
  const parsed: PinStatus = {
    requestid,
    status: status as PinStatusName,
    created,
    pin: parsePin(pin),
    delegates: Array.isArray(delegates) ? delegates.filter((d): d is string => typeof d === "string" && d.length <= MAX_STRING_LENGTH).slice(0, 20) : [],
  };
  if (info !== undefined) parsed.info = parseStringMap(info, "PinStatus.info");
  return parsed;
}

/** A `PinResults` from a service's answer. */
export function parsePinResults(value: unknown): PinResults {
  if (!isRecord(value) || !Array.isArray(value.results) || typeof value.count !== "number") throw new Error("a PinResults must be {count, results}");
  if (value.results.length > MAX_RESULTS) throw new Error(`a PinResults holds at most ${MAX_RESULTS} results`);
  return { count: value.count, results: value.results.map(parsePinStatus) };
}

/** The `reason` and `details` of a `Failure` body, when the value is one. */
export function parseFailure(value: unknown): { reason: string; details?: string } | undefined {
  if (!isRecord(value) || !isRecord(value.error) || typeof value.error.reason !== "string") return undefined;
  const details = value.error.details;
  return { reason: value.error.reason.slice(0, 200), details: typeof details === "string" ? details.slice(0, 2000) : undefined };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
