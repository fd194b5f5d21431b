/**
 * A client of one remote pinning service (the IPFS Pinning Service API): a commercial service,
 * IPFS Cluster's pinning API, or another node run with `--pinning-api`. Answers are read bounded
 * (MAX_BODY_BYTES) and checked (spec.ts); the access key is sent only in the Authorization
 * header and never appears in an error message.
 */
import { MAX_BODY_BYTES, parseFailure, parsePinResults, parsePinStatus, type Pin, type PinResults, type PinStatus, type PinStatusName } from "./spec.ts";

/** The service answered with an error (its `Failure` reason when it sent one) or not at all. */
export class RemoteServiceError extends Error {
  static name = "RemoteServiceError";
  /** HTTP status; 0 when the service did not answer. */
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RemoteServiceError";
    this.status = status;
    this.reason = reason;
  }
}

export interface ListQuery {
  cid?: string[];
  name?: string;
  status?: PinStatusName[];
  before?: string;
  limit?: number;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class RemotePinningClient {
  readonly endpoint: string;
  readonly #key: string;

  constructor(endpoint: string, key: string) {
    this.endpoint = endpoint.replace(/\/+$/, "");
    this.#key = key;
  }

  async add(pin: Pin, signal?: AbortSignal): Promise<PinStatus> {
    return parsePinStatus(await this.#request("POST", "/pins", pin, signal));
  }

  async get(requestid: string, signal?: AbortSignal): Promise<PinStatus> {
    return parsePinStatus(await this.#request("GET", `/pins/${encodeURIComponent(requestid)}`, undefined, signal));
  }

  async list(query: ListQuery, signal?: AbortSignal): Promise<PinResults> {
    const params = new URLSearchParams();
    if (query.cid?.length) params.set("cid", query.cid.join(","));
    if (query.name !== undefined) params.set("name", query.name);
    if (query.status?.length) params.set("status", query.status.join(","));
    if (query.before !== undefined) params.set("before", query.before);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const text = params.toString();
    return parsePinResults(await this.#request("GET", `/pins${text ? `?${text}` : ""}`, undefined, signal));
  }

  /** Every matching request, newest first, page after page (by `before`, as the spec paginates). */
  async *listAll(query: Omit<ListQuery, "before" | "limit">, signal?: AbortSignal): AsyncGenerator<PinStatus> {
    let before: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.list({ ...query, before, limit: 1000 }, signal);
      const fresh = page.results.filter((r) => !seen.has(r.requestid));
      for (const result of fresh) {
        seen.add(result.requestid);
        yield result;
      }
      if (fresh.length === 0 || page.results.length >= page.count) return;
      // the page's oldest creation time, compared as times (services write RFC 3339 differently)
      before = page.results.reduce((oldest, r) => (Date.parse(r.created) < Date.parse(oldest) ? r.created : oldest), page.results[0].created);
    }
  }

  async remove(requestid: string, signal?: AbortSignal): Promise<void> {
    await this.#request("DELETE", `/pins/${encodeURIComponent(requestid)}`, undefined, signal);
  }

  async #request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(`${this.endpoint}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.#key}`, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: "error",
      });
    } catch (err) {
      throw new RemoteServiceError(0, "UNREACHABLE", `the pinning service at ${this.endpoint} did not answer (${(err as Error).message})`, { cause: err });
    }
    const text = await readBounded(response);
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const failure = parseFailure(json);
      const reason = failure?.reason ?? `HTTP_${response.status}`;
      throw new RemoteServiceError(
        response.status,
        reason,
        `the pinning service at ${this.endpoint} answered ${response.status} ${reason}${failure?.details ? `: ${failure.details}` : ""}`,
      );
    }
    if (method !== "DELETE" && json === undefined)
      throw new RemoteServiceError(response.status, "BAD_RESPONSE", `the pinning service at ${this.endpoint} sent no JSON`);
    return json;
  }
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new RemoteServiceError(response.status, "BAD_RESPONSE", `the pinning service's answer is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
