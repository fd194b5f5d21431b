// Postinstall step (also run before `npm start` and `npm test`): make sure the dependencies and
// Hardhat 3's native EDR package are installed.
//
// Hardhat 3 needs Node.js >= 22.13. The project brings its own Node 24 as the devDependency
// `node`, and npm puts node_modules/.bin first on PATH for every `npm run`/`npm test`, so scripts
// run on it. But npm running on an older Node (20 here) silently skips EDR's platform package,
// whose engines field asks for Node >= 22. When that happened, this script repeats the install
// once with npm running on the bundled Node 24, which installs exactly what the lockfile lists.
//
// Each install it runs prints one line when it starts and one when it ends; npm's own output is
// kept and shown only when the install fails (.npmrc sets npm's log level to errors, so the
// EBADENGINE warnings of packages that want a newer Node than the one running npm stay quiet).
//
// Plain JavaScript on purpose: it must run before anything is compiled, on any Node >= 20.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const MIN = [22, 13];
const require = createRequire(path.join(process.cwd(), "package.json"));

function versionOk(version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
}

function edrLoads() {
  try {
    require("@nomicfoundation/edr");
    return true;
  } catch {
    return false;
  }
}

/** Runs npm with `args` on `nodeBin`, its output captured; prints it only if npm fails. */
function npmQuietly(nodeBin, npmCli, args, env = process.env) {
  const started = Date.now();
  const result = spawnSync(nodeBin, [npmCli, ...args, "--no-audit", "--no-fund", "--loglevel=error"], { encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-40).join("\n") + "\n");
    fail(`\`npm ${args[0]}\` exited with ${result.status ?? result.signal}${result.error ? ` (${result.error.message})` : ""}.`);
  }
  return ((Date.now() - started) / 1000).toFixed(0);
}

function fail(reason) {
  console.error(
    [
      "",
      "til-dapp install: Hardhat 3 needs Node.js >= 22.13 and its native package @nomicfoundation/edr.",
      `  Problem: ${reason}`,
      "  Fix: install Node.js 24 LTS (for example `nvm install 24`), delete node_modules, and run `npm install` again.",
      "",
    ].join("\n"),
  );
  process.exit(1);
}

// `npm start` or `npm test` on a fresh clone: install first (this script also runs before them).
if (process.env.npm_lifecycle_event !== "postinstall" && !existsSync(path.join(process.cwd(), "node_modules", ".package-lock.json"))) {
  const npmCli = process.env.npm_execpath;
  if (!npmCli) fail("dependencies are not installed; run `npm install` first.");
  console.error("til-dapp: first run, installing dependencies (npm ci)...");
  const seconds = npmQuietly(process.execPath, npmCli, ["ci"]);
  console.error(`til-dapp: dependencies installed in ${seconds} s.`);
}

if (edrLoads()) process.exit(0);

if (process.env.TIL_REINSTALLING_WITH_NODE) {
  fail(
    `npm running on Node ${process.env.TIL_REINSTALLING_WITH_NODE} still did not install Hardhat's native EDR binding for ${process.platform}-${process.arch}.`,
  );
}

// A Node new enough to run npm: the one running this script if it qualifies, else the bundled one.
const bundled = path.join(process.cwd(), "node_modules", ".bin", process.platform === "win32" ? "node.cmd" : "node");
let nodeBin = process.execPath;
if (!versionOk(process.version)) {
  if (!existsSync(bundled)) fail(`this is Node ${process.version} and the bundled Node 24 (devDependency "node") is not installed.`);
  nodeBin = bundled;
}
const probe = spawnSync(nodeBin, ["--version"], { encoding: "utf8" });
const nodeVersion = (probe.stdout || "").trim();
if (probe.status !== 0 || !versionOk(nodeVersion)) {
  fail(`the bundled Node at ${nodeBin} does not run or is too old (${nodeVersion || probe.error?.message}).`);
}

const npmCli = process.env.npm_execpath;
if (!npmCli) fail("this script must run as npm's postinstall (npm_execpath is not set).");

console.error(
  `til-dapp: npm ran on ${(process.env.npm_config_user_agent || "").match(/node\/(v[\d.]+)/)?.[1] ?? "an older Node"}, which skips Hardhat's native EDR package; installing it with the bundled Node ${nodeVersion}...`,
);
const binDir = path.dirname(nodeBin);
const seconds = npmQuietly(nodeBin, npmCli, ["install"], {
  ...process.env,
  PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
  TIL_REINSTALLING_WITH_NODE: nodeVersion,
});
console.error(`til-dapp: Hardhat's native package installed in ${seconds} s.`);
