// Postinstall step (also run before `npm start` and `npm test`): make sure the dependencies and
// Hardhat 3's native EDR package are installed.
//
// Hardhat 3 needs Node.js >= 22.13. The project brings its own Node 24 as the devDependency
// `node`, and npm puts node_modules/.bin first on PATH for every `npm run`/`npm test`, so scripts
// run on it. But npm running on an older Node (20 here) silently skips EDR's platform package,
// whose engines field asks for Node >= 22. When that happened, this script repeats the install
// once with npm running on the bundled Node 24, which installs exactly what the lockfile lists.
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
  const installed = spawnSync(process.execPath, [npmCli, "ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (installed.status !== 0) fail(`\`npm ci\` exited with ${installed.status ?? installed.signal}.`);
}

if (edrLoads()) process.exit(0);

if (process.env.TIL_REINSTALLING_WITH_NODE) {
  fail(`npm running on Node ${process.env.TIL_REINSTALLING_WITH_NODE} still did not install Hardhat's native EDR binding for ${process.platform}-${process.arch}.`);
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

console.error(`til-dapp install: npm ran on ${(process.env.npm_config_user_agent || "").match(/node\/(v[\d.]+)/)?.[1] ?? "an older Node"} and skipped Hardhat's native EDR package; installing again with Node ${nodeVersion}...`);
const binDir = path.dirname(nodeBin);
const result = spawnSync(nodeBin, [npmCli, "install", "--no-audit", "--no-fund"], {
  stdio: "inherit",
  env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}`, TIL_REINSTALLING_WITH_NODE: nodeVersion },
});
if (result.status !== 0) fail(`\`npm install\` on Node ${nodeVersion} exited with ${result.status ?? result.signal}.`);
