/**
 * What `npm start` needs built before it runs, rebuilt only when missing or older than its sources:
 * the contract artifacts (Hardhat compile) and the web app's production build (Vite).
 *
 * A fresh clone has neither (both are ignored by git), so its first `npm start` builds both; later
 * starts skip them until a source changes.
 */
import { spawn } from "node:child_process";
import { readdir, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { StackStartError } from "./processes.ts";

/** Something `npm start` builds: the file whose age stands for the output, and what it is made from. */
export interface BuildOutput {
  name: string;
  /** A file the build writes every time (its modification time is the build's). */
  marker: string;
  /** Files and folders (walked recursively) the output is built from. */
  sources: string[];
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** The contract artifacts Ignition deploys from. */
export function contractArtifacts(projectRoot: string): BuildOutput {
  return {
    name: "contracts",
    marker: path.join(projectRoot, "artifacts", "contracts", "TodayILearned.sol", "TodayILearned.json"),
    sources: [path.join(projectRoot, "contracts"), path.join(projectRoot, "hardhat.config.ts"), path.join(projectRoot, "package-lock.json")],
    command: process.execPath,
    args: [path.join(projectRoot, "node_modules", "hardhat", "dist", "src", "cli.js"), "compile", "--quiet"],
  };
}

/**
 * The web app's production build in frontend/dist. It is built without any VITE_TIL_* variable, so
 * nothing of one stack (ports, addresses, an API secret) is baked into it: the stack hands the app
 * its settings at serve time (see app-server.ts).
 */
export function appBuild(projectRoot: string): BuildOutput {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITE_TIL_")));
  return {
    name: "web app",
    marker: path.join(projectRoot, "frontend", "dist", "index.html"),
    sources: [
      path.join(projectRoot, "frontend", "src"),
      path.join(projectRoot, "frontend", "index.html"),
      path.join(projectRoot, "frontend", "vite.config.ts"),
      path.join(projectRoot, "core"),
      path.join(projectRoot, "package-lock.json"),
    ],
    command: process.execPath,
    args: [path.join(projectRoot, "node_modules", "vite", "bin", "vite.js"), "build", path.join(projectRoot, "frontend"), "--logLevel", "warn"],
    env,
  };
}

/** Newest modification time (ms) among files under `sources`; 0 when there are none. */
async function newestSourceTime(sources: string[]): Promise<number> {
  let newest = 0;
  const visit = async (file: string): Promise<void> => {
    const info = await stat(file).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const child of await readdir(file)) if (child !== "node_modules" && child !== "dist") await visit(path.join(file, child));
    } else newest = Math.max(newest, info.mtimeMs);
  };
  for (const source of sources) await visit(source);
  return newest;
}

/** Why `output` must be built (missing, or older than a source), or undefined when it is current. */
export async function staleReason(output: BuildOutput): Promise<string | undefined> {
  const built = await stat(output.marker).catch(() => undefined);
  if (!built) return "not built yet";
  return (await newestSourceTime(output.sources)) > built.mtimeMs ? "sources changed since the last build" : undefined;
}

/** Builds `output` when {@link staleReason} says so; returns what was done, for the start-up log. */
export async function ensureBuilt(output: BuildOutput, log: (line: string) => void): Promise<"built" | "current"> {
  const reason = await staleReason(output);
  if (!reason) return "current";
  log(`building ${output.name} (${reason})...`);
  const started = performance.now();
  const { code, text } = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn(output.command, output.args, { env: output.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk) => (text += chunk));
    child.stderr.on("data", (chunk) => (text += chunk));
    child.once("error", reject);
    child.once("exit", (exitCode) => resolve({ code: exitCode, text }));
  });
  if (code !== 0) {
    throw new StackStartError(`Building the ${output.name} failed (exit code ${code}):\n${text.trim().split("\n").slice(-20).join("\n")}`);
  }
  // A build that found nothing to redo (Hardhat's cache) leaves the marker as it was: mark it current.
  const now = new Date();
  await utimes(output.marker, now, now);
  log(`built ${output.name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return "built";
}
