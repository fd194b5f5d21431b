/**
 * Provider hints (`Pin.origins`, `PinStatus.delegates`) as multiaddrs. Besides libp2p addresses
 * (`/ip4/.../tcp/4001/p2p/<peer>`), a node announces its trustless HTTP gateway the way HTTP
 * providers are written as multiaddrs: `/ip4/<ip>/tcp/<port>/http/p2p/<peer>` (`/https`, or
 * `/tls/http`, for TLS; `/dns`, `/dns4`, `/dns6` for a name). The pinning service fetches blocks
 * from such an origin as raw blocks, each checked against its CID.
 */

/** The `/http` multiaddr of an `http://host:port` URL, with the peer ID when given. */
export function httpMultiaddr(url: string, peerId?: string): string {
  const { protocol, hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  const secure = protocol === "https:";
  const kind = host.includes(":") ? "ip6" : /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) ? "ip4" : "dns";
  return `/${kind}/${host}/tcp/${port || (secure ? "443" : "80")}/${secure ? "https" : "http"}${peerId ? `/p2p/${peerId}` : ""}`;
}

/** The gateway URL an `/http` or `/https` multiaddr names, or undefined for any other multiaddr. */
export function gatewayUrlOf(multiaddr: string): string | undefined {
  const match = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d{1,5})\/(http|https|tls\/http)(?:\/p2p\/[^/]+)?\/?$/.exec(multiaddr);
  if (!match) return undefined;
  const [, kind, host, port] = match;
  if (Number(port) > 65535) return undefined;
  const scheme = match[4] === "http" ? "http" : "https";
  return `${scheme}://${kind === "ip6" ? `[${host}]` : host}:${port}`;
}
