/**
 * Test helper: a gateway request with the Host header a browser would send. Node's fetch neither
 * resolves `*.localhost` nor lets a caller set Host, so this connects to the gateway's address and
 * names the host in the header, as Kubo's own subdomain tests do with curl.
 */
import http from "node:http";
import { subdomainLabel } from "#core/gateway-url.ts";

export interface HostRequestInit {
  method?: string;
  headers?: Record<string, string>;
}

/** `pathAndQuery` on the gateway at `gatewayUrl`, asked for as `host`; a redirect is returned, not followed. */
export function fetchWithHost(gatewayUrl: string, host: string, pathAndQuery: string, init: HostRequestInit = {}): Promise<Response> {
  const { hostname, port } = new URL(gatewayUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: hostname, port, path: pathAndQuery, method: init.method ?? "GET", headers: { ...init.headers, Host: host } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
          }
          const status = response.statusCode ?? 0;
          const body = status === 304 || chunks.length === 0 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
      },
    );
    request.on("error", reject);
    request.end();
  });
}

/** The subdomain host of `cid` on the local gateway at `gatewayUrl`: `<cidv1-base32>.ipfs.localhost:<port>`. */
export function subdomainHost(gatewayUrl: string, cid: { toString(): string }): string {
  return `${subdomainLabel(cid.toString())}.ipfs.localhost:${new URL(gatewayUrl).port}`;
}

/** `path` inside `cid` on its own origin (the subdomain gateway), as a browser asks for it. */
export function fetchOnOwnOrigin(gatewayUrl: string, cid: { toString(): string }, path = "", init: HostRequestInit = {}): Promise<Response> {
  return fetchWithHost(gatewayUrl, subdomainHost(gatewayUrl, cid), `/${path.replace(/^\/+/, "")}`, init);
}
