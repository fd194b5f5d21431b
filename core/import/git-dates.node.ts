/**
 * When each markdown file of a git checkout was first committed, from ONE `git log` pass over the
 * whole history (not one process per file), following renames. Node only.
 */
import { spawn } from "node:child_process";
import { realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/**
 * Dates (`YYYY-MM-DD`, author date) on which the files under `dir` were first added, keyed by
 * absolute real path; a renamed file gets the date its oldest name was added (like
 * `git log --diff-filter=A --follow`). Undefined when `dir` is not inside a git work tree or
 * git is not installed.
 */
export async function gitFirstAddedDates(dir: string): Promise<Map<string, string> | undefined> {
  const root = await realpath(dir);
  const top = await run("git", ["-C", root, "rev-parse", "--show-toplevel"]).catch(() => undefined);
  if (top === undefined) return undefined;
  const topDir = await realpath(top.trim());
  const scope = relative(topDir, root) || ".";
  // -z: NUL-separated, paths unquoted. Each commit: "\x01<date>\0\n", then "A\0path\0" / "R100\0old\0new\0".
  const log = await run("git", ["-C", topDir, "log", "--name-status", "-M", "--diff-filter=AR", "-z", "--format=%x01%as", "--", scope]).catch(() => undefined);
  if (log === undefined) return undefined;
  const added = new Map<string, string>();
  const renamedFrom = new Map<string, { from: string; date: string }>();
  const tokens = log.split("\0");
  let date = "";
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i].replace(/^\n/, "");
    if (token.startsWith("\x01")) {
      date = token.slice(1);
    } else if (token === "A") {
      added.set(tokens[++i], date); // newest first: the oldest add is written last
    } else if (/^[RC]\d*$/.test(token)) {
      const from = tokens[++i];
      const to = tokens[++i];
      if (token.startsWith("R") && !renamedFrom.has(to)) renamedFrom.set(to, { from, date });
      if (token.startsWith("C")) added.set(to, date);
    }
  }
  const out = new Map<string, string>();
  const resolveDate = (path: string): string | undefined => {
    let current = path;
    let found = added.get(current);
    const visited = new Set([current]);
    for (;;) {
      const step = renamedFrom.get(current);
      if (!step || visited.has(step.from)) break;
      visited.add(step.from);
      current = step.from;
      found = added.get(current) ?? step.date;
    }
    return found;
  };
  for (const path of new Set([...added.keys(), ...renamedFrom.keys()])) {
    const date = resolveDate(path);
    if (date) out.set(join(topDir, path.split("/").join(sep)), date);
  }
  return out;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolvePromise(Buffer.concat(chunks).toString("utf8")) : reject(new Error(`${command} exited with ${code}`))));
  });
}
