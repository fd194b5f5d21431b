/**
 * Load for the gateway's tests and benchmark: keep-alive GETs at a fixed concurrency on raw
 * sockets (a minimal HTTP/1.1 client that counts body bytes without keeping them, so the servers,
 * not the client, set the pace), and a plain Node `http` server in its own process, answering
 * every GET with the same bytes from memory: the floor a gateway is measured against.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import net from "node:net";

/** Requests per second answered 200 with `expectedBytes` of body; throws if any was not. */
export async function loadTest(url: string, concurrency: number, seconds: number, expectedBytes: number): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  const request = Buffer.from(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`, "latin1");
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: concurrency },
      () =>
        new Promise<void>((resolve) => {
          const socket = net.connect(Number(port), hostname);
          let head: Buffer = Buffer.alloc(0);
          let bodyLeft = -1;
          const next = () => {
            if (performance.now() >= deadline) {
              socket.end();
              return resolve();
            }
            socket.write(request);
          };
          const finished = () => {
            bodyLeft = -1;
            done++;
            next();
          };
          socket.on("connect", next);
          socket.on("data", (chunk: Buffer) => {
            let data = chunk;
            while (data.length > 0) {
              if (bodyLeft < 0) {
                head = head.length === 0 ? data : Buffer.concat([head, data]);
                const headerEnd = head.indexOf("\r\n\r\n");
                if (headerEnd < 0) return;
                const status = head.subarray(0, headerEnd).toString("latin1");
                const length = Number(/\r\ncontent-length: *(\d+)/i.exec(status)?.[1] ?? NaN);
                if (!status.startsWith("HTTP/1.1 200") || length !== expectedBytes) {
                  failures++;
                  socket.destroy();
                  return resolve();
                }
                data = head.subarray(headerEnd + 4);
                head = Buffer.alloc(0);
                bodyLeft = length;
                if (bodyLeft === 0) finished();
                continue;
              }
              const taken = Math.min(bodyLeft, data.length);
              bodyLeft -= taken;
              data = data.subarray(taken);
              if (bodyLeft === 0) finished();
            }
          });
          socket.on("error", () => {
            failures++;
            resolve();
          });
          socket.on("close", () => resolve());
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${failures} requests to ${url} failed or returned the wrong bytes`);
  return done / elapsed;
}

/** A plain Node http server in its own process, answering every GET with the bytes of `file` (written here). */
export async function startPlainServer(bytes: Uint8Array, file: string, contentType = "application/octet-stream"): Promise<{ url: string; stop: () => void }> {
  await writeFile(file, bytes);
  const source = `
    const http = require("node:http");
    const body = require("node:fs").readFileSync(process.argv[1]);
    http.createServer((req, res) => {
      res.writeHead(200, { "Content-Type": process.argv[2], "Content-Length": body.length });
      res.end(body);
    }).listen(0, "127.0.0.1", function () { console.log("port " + this.address().port); });
  `;
  const child = spawn(process.execPath, ["-e", source, file, contentType], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout.on("data", (chunk) => resolve(Number(/port (\d+)/.exec(String(chunk))?.[1]))));
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}
