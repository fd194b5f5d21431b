/**
 * The web app as `npm start` serves it: the production build (frontend/dist) from a small static
 * server inside the stack's own process, with the stack's settings handed to the app in the
 * `index.html` it serves (core/app-settings.ts).
 *
 * Only files of the build are served: no directory listings, no dotfiles, nothing outside the
 * build folder (paths are resolved and symbolic links followed before the check), GET and HEAD
 * only. The Vite dev server (`npm run dev:app`) is for working on the app, not for running it.
 */
import { createReadStream } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { withServedSettings, type ServedAppSettings } from "#core/app-settings.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/** Headers on every response: no sniffing, no framing, no referrer. */
const COMMON_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
};

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `distDir` on host:port; `index.html` carries `settings`. */
export async function serveApp(distDir: string, host: string, port: number, settings: ServedAppSettings): Promise<AppServer> {
  const root = await realpath(distDir);
  const indexHtml = withServedSettings(await readFile(path.join(root, "index.html"), "utf8"), settings);

  const server = http.createServer((request, response) => {
    void answer(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { ...COMMON_HEADERS, "content-type": "text/plain; charset=utf-8" });
      response.end("internal error\n");
    });
  });

  async function answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const send = (status: number, text: string, extra: Record<string, string> = {}) => {
      response.writeHead(status, { ...COMMON_HEADERS, "content-type": "text/plain; charset=utf-8", ...extra });
      response.end(request.method === "HEAD" ? undefined : text);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "GET or HEAD only\n", { allow: "GET, HEAD" });
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? "/", "http://app").pathname);
    } catch {
      return send(400, "malformed path\n");
    }
    if (pathname === "/" || pathname === "/index.html") {
      response.writeHead(200, { ...COMMON_HEADERS, "content-type": CONTENT_TYPES[".html"], "cache-control": "no-cache" });
      response.end(request.method === "HEAD" ? undefined : indexHtml);
      return;
    }
    if (pathname.includes("\0") || pathname.split("/").some((part) => part.startsWith("."))) return send(404, "not found\n");
    const file = await realpath(path.join(root, pathname)).catch(() => undefined);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile() || !file.startsWith(root + path.sep)) return send(404, "not found\n");
    response.writeHead(200, {
      ...COMMON_HEADERS,
      "content-type": CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
      "content-length": String(info.size),
      // Vite puts a content hash in every asset's name.
      "cache-control": pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (request.method === "HEAD") return void response.end();
    const stream = createReadStream(file);
    stream.once("error", () => response.destroy());
    response.once("close", () => stream.destroy());
    stream.pipe(response);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
