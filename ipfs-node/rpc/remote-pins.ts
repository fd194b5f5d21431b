/**
 * Kubo's remote pinning commands: `pin/remote/service/add|ls|rm` (services kept in the repo, see
 * ../pinning/remote-services.ts) and `pin/remote/add|ls|rm` (requests to a service through the
 * IPFS Pinning Service API, see ../pinning/client.ts), with Kubo's arguments and output shapes.
 * A service's key is never part of an answer or a log line.
 */
import { CID } from "multiformats/cid";
import { InvalidArgumentError, IpfsNodeError, RequestParseError } from "../errors.ts";
import { parseIpfsPath, resolveEntry } from "../ipfs-path.ts";
import { RemoteServiceError } from "../pinning/client.ts";
import type { RemoteServices } from "../pinning/remote-services.ts";
import { MAX_ORIGINS, PIN_STATUSES, type PinStatus, type PinStatusName } from "../pinning/spec.ts";
import type { IpfsStore } from "../store.ts";
import { boolOption, NdjsonStream, requiredArgs, sendJson, type RpcRequest } from "./http-io.ts";

export interface RemotePinsOptions {
  store: IpfsStore;
  services: RemoteServices;
  /** This node's addresses, sent as the `origins` of each request (Kubo sends its own too). */
  originAddresses: () => string[];
}

/** How often a foreground `pin/remote/add` asks the service how its request is going. */
const POLL_MS = 500;

/** A remote service failed (or refused) the request; Kubo answers such errors with 500. */
class RemotePinError extends IpfsNodeError {
  static name = "RemotePinError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RemotePinError";
  }
}

export function createRemotePinRoutes({ store, services, originAddresses }: RemotePinsOptions): Record<string, (request: RpcRequest) => Promise<void>> {
  const serviceOf = async (query: URLSearchParams) => {
    const name = query.get("service");
    if (!name) throw new RequestParseError('option "service" is required: name a service added with pin/remote/service/add');
    return services.client(name);
  };
  return {
    "pin/remote/service/add": async ({ res, query }) => {
      const args = requiredArgs(query, "service");
      if (args.length !== 3) throw new RequestParseError("expects three arguments: service name, API endpoint, access key");
      await services.add(args[0], args[1], args[2]);
      res.writeHead(200).end();
    },
    "pin/remote/service/rm": async ({ res, query }) => {
      await services.remove(requiredArgs(query, "service")[0]);
      res.writeHead(200).end();
    },
    "pin/remote/service/ls": async ({ res, query, signal }) => {
      const stat = boolOption(query, "stat", false);
      const listed = [];
      for (const service of await services.list()) {
        const entry: Record<string, unknown> = { Service: service.name, ApiEndpoint: service.endpoint };
        if (stat) entry.Stat = await serviceStat(await services.client(service.name), signal);
        listed.push(entry);
      }
      sendJson(res, { RemoteServices: listed });
    },
    "pin/remote/add": async ({ res, query, signal }) => {
      const path = parseIpfsPath(requiredArgs(query, "ipfs-path")[0]);
      const cid = path.segments.length === 0 ? path.root : (await resolveEntry(store, path, signal)).cid;
      const client = await serviceOf(query);
      const name = query.get("name") ?? undefined;
      const origins = [...new Set([...query.getAll("origin").filter(Boolean), ...originAddresses()])].slice(0, MAX_ORIGINS);
      let status = await remote(() => client.add({ cid: cid.toString(), ...(name ? { name } : {}), ...(origins.length ? { origins } : {}) }, signal));
      if (!boolOption(query, "background", false)) {
        while (status.status === "queued" || status.status === "pinning") {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          signal.throwIfAborted();
          const requestid = status.requestid;
          status = await remote(() => client.get(requestid, signal));
        }
        if (status.status === "failed") {
          throw new RemotePinError(
            `remote service failed to pin requestid=${status.requestid}${status.info?.status_details ? `: ${status.info.status_details}` : ""}`,
          );
        }
      }
      sendJson(res, kuboPin(status));
    },
    "pin/remote/ls": async ({ res, query, signal }) => {
      const client = await serviceOf(query);
      const output = new NdjsonStream(res);
      for await (const status of remoteList(() => client.listAll(listQuery(query), signal))) await output.write(kuboPin(status));
      output.end();
    },
    "pin/remote/rm": async ({ res, query, signal }) => {
      const client = await serviceOf(query);
      const matching: PinStatus[] = [];
      for await (const status of remoteList(() => client.listAll(listQuery(query), signal))) matching.push(status);
      if (matching.length > 1 && !boolOption(query, "force", false)) {
        throw new InvalidArgumentError(`multiple remote pins are matching this query (${matching.length}), add --force to confirm the bulk removal`);
      }
      for (const status of matching) await remote(() => client.remove(status.requestid, signal));
      res.writeHead(200).end();
    },
  };
}

/** Kubo's `{Status, Cid, Name}` for a request. */
function kuboPin(status: PinStatus): { Status: PinStatusName; Cid: string; Name: string } {
  return { Status: status.status, Cid: status.pin.cid, Name: status.pin.name ?? "" };
}

/** `--name`, `--cid` (repeatable), `--status` (repeatable, default pinned), as Kubo reads them. */
function listQuery(query: URLSearchParams): { cid?: string[]; name?: string; status: PinStatusName[] } {
  const cids = query
    .getAll("cid")
    .flatMap((value) => value.split(","))
    .filter(Boolean);
  for (const cid of cids) {
    try {
      CID.parse(cid);
    } catch {
      throw new InvalidArgumentError(`invalid CID "${cid.slice(0, 100)}" in --cid`);
    }
  }
  const statuses = query
    .getAll("status")
    .flatMap((value) => value.split(","))
    .filter(Boolean);
  for (const status of statuses) {
    if (!PIN_STATUSES.includes(status as PinStatusName))
      throw new InvalidArgumentError(`status "${status.slice(0, 40)}" is not one of ${PIN_STATUSES.join(", ")}`);
  }
  const name = query.get("name") || undefined;
  return { ...(cids.length ? { cid: cids } : {}), ...(name ? { name } : {}), status: statuses.length ? (statuses as PinStatusName[]) : ["pinned"] };
}

/** Kubo's `Stat` of a service: pin counts per status, or `invalid` when the service does not answer. */
async function serviceStat(client: Awaited<ReturnType<RemoteServices["client"]>>, signal: AbortSignal): Promise<Record<string, unknown>> {
  try {
    const count = async (status: PinStatusName) => (await client.list({ status: [status], limit: 1 }, signal)).count;
    const [Queued, Pinning, Pinned, Failed] = await Promise.all(PIN_STATUSES.map(count));
    return { Status: "valid", PinCount: { Queued, Pinning, Pinned, Failed } };
  } catch (err) {
    if (err instanceof RemoteServiceError) return { Status: "invalid" };
    throw err;
  }
}

/** A service call whose error becomes the command's error (Kubo: 500 with the message). */
async function remote<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof RemoteServiceError) throw new RemotePinError(err.message, { cause: err });
    throw err;
  }
}

async function* remoteList(list: () => AsyncGenerator<PinStatus>): AsyncGenerator<PinStatus> {
  try {
    yield* list();
  } catch (err) {
    if (err instanceof RemoteServiceError) throw new RemotePinError(err.message, { cause: err });
    throw err;
  }
}
