/**
 * After minting, the app asks the IPFS node to have the entry pinned on every remote pinning
 * service the node knows (Kubo's `pin/remote`: the node keeps the services and their keys, the
 * browser never sees a key), then follows each request until it is pinned or failed. A request
 * the service holds already for this CID (a publish retried) is followed, not sent again.
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";

/**
 * `refused`: the service answered that the node's key is not valid (the spec's 401, or 403);
 * `unreachable`: the node got no answer from it; `error`: any other failure to ask.
 */
type RemotePinStatus = "asking" | "queued" | "pinning" | "pinned" | "failed" | "refused" | "unreachable" | "error";

export interface RemotePinState {
  service: string;
  status: RemotePinStatus;
  /** Why asking failed (status `refused`, `unreachable` or `error`). */
  message?: string;
}

/**
 * What stopped a request, from the node's error message (Kubo's RPC carries only a message): the
 * service's 401/403 or the spec's reasons for them, as this node and Kubo word them; a failure to
 * connect, as Node's fetch, Go's net/http and this node word it.
 */
export function askingFailure(message: string): "refused" | "unreachable" | "error" {
  if (/\b(401|403)\b|UNAUTHORIZED|FORBIDDEN/i.test(message)) return "refused";
  if (
    /did not answer|fetch failed|ECONNREFUSED|connection refused|ENOTFOUND|no such host|EHOSTUNREACH|ETIMEDOUT|i\/o timeout|context deadline exceeded/i.test(
      message,
    )
  )
    return "unreachable";
  return "error";
}

/**
 * How much of a failure's message is shown: the node relays the service's own words (this node
 * keeps 2,000 characters of them, another node may keep all), and a service may be anyone's.
 */
const MAX_SHOWN_MESSAGE_CHARS = 500;

/** A failure's message as shown: its first line, at most MAX_SHOWN_MESSAGE_CHARS characters. */
export function shownMessage(message: string): string {
  const line = message.split("\n")[0];
  return line.length > MAX_SHOWN_MESSAGE_CHARS ? `${line.slice(0, MAX_SHOWN_MESSAGE_CHARS)}…` : line;
}

export interface FollowOptions {
  /** Between two status checks (default 2 s). */
  pollMs?: number;
  /** Stop following after this long (default 5 minutes); the states are then as last seen. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const ALL: Array<"queued" | "pinning" | "pinned" | "failed"> = ["queued", "pinning", "pinned", "failed"];
const RANK = { failed: 0, queued: 1, pinning: 2, pinned: 3 } as const;

/**
 * Asks every service the node knows to pin `cid` and reports the states as they change; resolves
 * with the last states (an empty list when the node knows no service).
 */
export async function followRemotePins(
  client: Pick<KuboRPCClient, "pin">,
  cid: string,
  onUpdate: (states: RemotePinState[]) => void,
  { pollMs = 2_000, timeoutMs = 300_000, signal }: FollowOptions = {},
): Promise<RemotePinState[]> {
  const root = CID.parse(cid);
  const services = (await client.pin.remote.service.ls({ signal })).map((s) => s.service);
  const states: RemotePinState[] = services.map((service) => ({ service, status: "asking" }));
  const report = () => onUpdate(states.map((s) => ({ ...s })));
  if (states.length === 0) return states;
  report();
  const current = async (service: string) => {
    let best: RemotePinState["status"] | undefined;
    for await (const pin of client.pin.remote.ls({ service, cid: [root], status: ALL, signal })) {
      if (best === undefined || RANK[pin.status] > RANK[best as keyof typeof RANK]) best = pin.status;
    }
    return best;
  };
  await Promise.all(
    states.map(async (state) => {
      try {
        const held = await current(state.service);
        state.status = held && held !== "failed" ? held : (await client.pin.remote.add(root, { service: state.service, background: true, signal })).status;
      } catch (error) {
        state.message = shownMessage((error as Error).message);
        state.status = askingFailure(state.message);
      }
    }),
  );
  report();
  const deadline = Date.now() + timeoutMs;
  while (states.some((s) => s.status === "queued" || s.status === "pinning") && Date.now() < deadline && !signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    let changed = false;
    for (const state of states) {
      if (state.status !== "queued" && state.status !== "pinning") continue;
      const now = await current(state.service).catch(() => state.status);
      if (now !== undefined && now !== state.status) {
        state.status = now;
        changed = true;
      }
    }
    if (changed) report();
  }
  return states;
}
