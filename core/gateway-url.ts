/**
 * Where to open IPFS content in a browser so that it gets an origin of its own. A local gateway
 * (host `localhost` or a loopback IP) is a subdomain gateway, as Kubo's `localhost` gateway is:
 * `http://<cidv1-base32>.ipfs.localhost:<port>/<path>`, so one entry's files never share an origin
 * with another entry or with the app. Any other gateway gets the path form `<gateway>/ipfs/<cid>/`
 * (a public subdomain gateway such as dweb.link redirects that to its own subdomain form).
 * Browser-safe: multiformats only.
 */
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";

/** The parent domain of the local subdomain gateway: `<cid>.ipfs.localhost`. */
export const LOCAL_SUBDOMAIN_PARENT = "ipfs.localhost";

/** Longest DNS label (RFC 1034): a CID in a host name must fit in one. */
const DNS_LABEL_MAX = 63;

/** The CID cannot be written as one DNS label, even as CIDv1 in base36. */
export class CidTooLongForSubdomainError extends Error {
  static name = "CidTooLongForSubdomainError";
  constructor(cid: string) {
    super(`CID ${cid} does not fit in a DNS label of ${DNS_LABEL_MAX} characters, even in base36; open it on a path gateway instead.`);
    this.name = "CidTooLongForSubdomainError";
  }
}

/**
 * The CID as the subdomain gateway writes it in a host name: CIDv1 (CIDv0 is converted, same
 * codec and hash) in case-insensitive base32, or base36 when base32 is longer than a DNS label.
 * @throws CidTooLongForSubdomainError when neither fits in 63 characters
 */
export function subdomainLabel(cid: CID | string): string {
  const parsed = typeof cid === "string" ? CID.parse(cid) : cid;
  const v1 = parsed.toV1();
  const base32 = v1.toString();
  if (base32.length <= DNS_LABEL_MAX) return base32;
  const inBase36 = v1.toString(base36);
  if (inBase36.length <= DNS_LABEL_MAX) return inBase36;
  throw new CidTooLongForSubdomainError(parsed.toString());
}

/** True for `localhost` and loopback IP addresses (127.0.0.0/8, ::1, IPv4-mapped 127/8): the hosts of a local gateway. */
export function isLocalGatewayHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return (
    name === "localhost" ||
    name === "::1" ||
    name === "0:0:0:0:0:0:0:1" ||
    /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(name)
  );
}

/**
 * The URL that opens `path` inside `cid` on `gateway` in its own origin when the gateway is local.
 * @param gateway base URL of a gateway, e.g. `http://127.0.0.1:8080` or `https://ipfs.io`
 * @param path a path inside the content root, already URL-encoded (no leading slash needed)
 * @returns `http://<cidv1>.ipfs.localhost:8080/<path>` for a local gateway, `<gateway>/ipfs/<cid>/<path>` otherwise
 * @example isolatedGatewayUrl("http://127.0.0.1:8080", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "index.md")
 */
export function isolatedGatewayUrl(gateway: string, cid: string, path = ""): string {
  const rest = path.replace(/^\/+/, "");
  const url = new URL(gateway);
  if (isLocalGatewayHostname(url.hostname)) {
    return `${url.protocol}//${subdomainLabel(cid)}.${LOCAL_SUBDOMAIN_PARENT}${url.port ? `:${url.port}` : ""}/${rest}`;
  }
  return `${gateway.replace(/\/+$/, "")}/ipfs/${cid}/${rest}`;
}
