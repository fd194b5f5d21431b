/**
 * Child processes of the local stack: started with their output in a log file, awaited until they
 * answer, stopped together.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import net from "node:net";

/** A part of the stack could not start; the message says which, why and what to do. */
export class StackStartError extends Error {
  static name = "StackStartError";
  constructor(message: string) {
    super(message);
    this.name = "StackStartError";
  }
}

/** Throws a {@link StackStartError} naming the port and the setting to change when it is taken. */
export async function assertPortFree(host: string, port: number, part: string, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new StackStartError(
          error.code === "EADDRINUSE"
            ? `Port ${port} on ${host} (${part}) is already in use. Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it), or choose another port with ${setting}.`
            : `Cannot listen on ${host}:${port} for the ${part}: ${error.message}.`,
        ),
      );
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the process answers. Polled until `timeoutMs`. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

/** Starts a process with its output appended to `logFile` and waits until `ready()` says yes. */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const { name, command, args, logFile, ready, timeoutMs = 60_000 } = options;
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = signal ?? `exit code ${code}`;
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    }
    log.end();
  };

  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited) {
      const tail = (await readFile(logFile, "utf8").catch(() => "")).trim().split("\n").slice(-15).join("\n");
      throw new StackStartError(`The ${name} stopped while starting (${exited}). Last lines of ${logFile}:\n${tail}`);
    }
    if (await ready().catch(() => false)) return { name, child, logFile, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new StackStartError(`The ${name} did not answer within ${timeoutMs / 1000} s; see ${logFile}.`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** True when a JSON-RPC endpoint answers eth_chainId. */
export async function rpcAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(2_000),
  });
  return response.ok;
}
