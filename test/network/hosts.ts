/**
 * Separate hosts for the network tests. As root on Linux with iproute2's `ip`, each host is a
 * network namespace of its own (`til-<pid>-<run>-<letter>`) with `lo` up and one end of a veth
 * pair addressed 10.x.y.(n+1)/24; the other ends sit on a bridge in the root namespace
 * (`tilbr<pid><run>`, 10.x.y.1/24), so the hosts reach each other and the test process reaches
 * them, and nothing has a route out (no default route, no forwarding). Elsewhere, or when
 * `TIL_TEST_HOSTS=loopback`, the hosts are distinct loopback addresses ({@link loopbackHost}).
 * `TIL_TEST_HOSTS=netns` makes namespaces required (an error instead of the fallback).
 *
 * Everything created is removed by {@link TestHosts.remove}, or at process exit if a test run ended
 * without it; leftovers of a run that was killed (its PID gone) are swept at the next start.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { processIsAlive } from "#core/process.node.ts";

const execFileAsync = promisify(execFile);

/**
 * The loopback address of the test's n-th host: 127.0.0.n on Linux (the whole 127/8 is on the
 * loopback interface there); elsewhere (macOS has only 127.0.0.1 up) 127.0.0.1, the nodes then
 * told apart by their ports alone.
 */
export function loopbackHost(n: number): string {
  return process.platform === "linux" ? `127.0.0.${n}` : "127.0.0.1";
}

export interface TestHost {
  /** a, b, c, ... */
  name: string;
  /** The host's IPv4 address: a node there binds its swarm, RPC API and gateway on it. */
  address: string;
  /** The command prefix that runs a program on this host (`ip netns exec <namespace>`); empty on loopback. */
  exec: string[];
  /** The network namespace; undefined on loopback. */
  namespace?: string;
}

export interface TestHosts {
  mode: "netns" | "loopback";
  hosts: TestHost[];
  /** The test process's own address as the hosts reach it (the bridge's, or 127.0.0.1): for servers the test runs itself. */
  testAddress: string;
  /** One line saying which mode is used: the namespaces and their subnet, or loopback and why. */
  description: string;
  /** Stop whatever still runs on the hosts and remove the namespaces, the veth pairs and the bridge (loopback: nothing to do). */
  remove(): Promise<void>;
}

const ENV = "TIL_TEST_HOSTS";
const NAME_PREFIX = "til-";
const BRIDGE_PREFIX = "tilbr";
let runs = 0;

/** `count` hosts (at most 26), as namespaces when the machine allows it (see above), else on loopback. */
export async function createHosts(count: number): Promise<TestHosts> {
  if (count < 1 || count > 26) throw new RangeError(`createHosts: ${count} hosts asked for; 1 to 26 are possible`);
  const wanted = process.env[ENV] ?? "auto";
  if (!["auto", "netns", "loopback"].includes(wanted)) throw new Error(`${ENV}=${wanted}: use auto (the default), netns or loopback`);
  if (wanted === "loopback") return loopbackHosts(count, `${ENV}=loopback`);
  const unavailable = namespacesUnavailable();
  if (unavailable) {
    if (wanted === "netns") throw new Error(`${ENV}=netns, but network namespaces cannot be used: ${unavailable}`);
    return loopbackHosts(count, unavailable);
  }
  try {
    return await namespaceHosts(count, ipPath());
  } catch (error) {
    if (wanted === "netns") throw error;
    const { message, stderr } = error as Error & { stderr?: string };
    const why = [message.split("\n")[0], stderr?.trim().split("\n")[0]].filter(Boolean).join(": ");
    return loopbackHosts(count, `creating namespaces failed: ${why}`);
  }
}

function loopbackHosts(count: number, reason: string): TestHosts {
  const hosts = Array.from({ length: count }, (_, index) => ({ name: letter(index), address: loopbackHost(index + 1), exec: [] }));
  return {
    mode: "loopback",
    hosts,
    testAddress: "127.0.0.1",
    description: `hosts: distinct loopback addresses ${hosts.map((host) => host.address).join(", ")} (not network namespaces: ${reason})`,
    remove: async () => {},
  };
}

function letter(index: number): string {
  return String.fromCharCode(97 + index);
}

function ipPath(): string {
  return ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((candidate) => existsSync(candidate)) ?? "";
}

/** Why namespaces cannot be used here, or undefined. */
function namespacesUnavailable(): string | undefined {
  if (process.platform !== "linux") return `${process.platform} has no network namespaces`;
  if (process.getuid?.() !== 0) return "not running as root";
  if (!ipPath()) return "no `ip` command (iproute2)";
  return undefined;
}

async function namespaceHosts(count: number, ip: string): Promise<TestHosts> {
  const run = async (...args: string[]) => (await execFileAsync(ip, args, { timeout: 10_000 })).stdout;
  await sweepLeftovers(ip);
  // a letter per run of this process, so that the PID before it reads back unambiguously
  const runLetter = letter(runs++ % 26);
  const tag = `${process.pid}${runLetter}`;
  const bridge = `${BRIDGE_PREFIX}${tag}`;
  const hosts: TestHost[] = Array.from({ length: count }, (_, index) => {
    const namespace = `${NAME_PREFIX}${process.pid}-${runLetter}-${letter(index)}`;
    return { name: letter(index), address: "", exec: [ip, "netns", "exec", namespace], namespace };
  });
  const veth = (index: number, end: "h" | "n") => `til${tag}${letter(index)}${end}`;
  let removed = false;
  const teardown: string[][] = [
    ...hosts.map((host) => ["netns", "delete", host.namespace as string]),
    ...hosts.map((_, index) => ["link", "delete", veth(index, "h")]),
    ["link", "delete", bridge],
  ];
  const removeNow = () => {
    if (removed) return;
    removed = true;
    for (const host of hosts) killProcessesIn(ip, host.namespace as string);
    for (const args of teardown) spawnSync(ip, args, { stdio: "ignore", timeout: 10_000 });
  };
  process.once("exit", removeNow);
  try {
    await run("link", "add", bridge, "type", "bridge");
    const subnet = await claimSubnet(ip, bridge);
    await run("link", "set", bridge, "up");
    for (const [index, host] of hosts.entries()) {
      const namespace = host.namespace as string;
      host.address = `${subnet}.${index + 2}`;
      await run("netns", "add", namespace);
      await run("link", "add", veth(index, "h"), "type", "veth", "peer", "name", veth(index, "n"));
      await run("link", "set", veth(index, "n"), "netns", namespace);
      await run("-n", namespace, "addr", "add", `${host.address}/24`, "dev", veth(index, "n"));
      await run("-n", namespace, "link", "set", "lo", "up");
      await run("-n", namespace, "link", "set", veth(index, "n"), "up");
      await run("link", "set", veth(index, "h"), "master", bridge);
      await run("link", "set", veth(index, "h"), "up");
      // no route out: the namespace knows its own subnet only (nothing in a test may reach the internet)
      const routes = (await run("-n", namespace, "-4", "route", "show")).trim().split("\n");
      if (routes.length !== 1 || !routes[0].startsWith(`${subnet}.0/24 `))
        throw new Error(`${namespace} has routes beyond ${subnet}.0/24: ${routes.join("; ")}`);
    }
    // a program runs inside (`ip netns exec` mounts /sys anew, which a restricted container may refuse)
    await execFileAsync(hosts[0].exec[0], [...hosts[0].exec.slice(1), process.execPath, "-e", ""], { timeout: 10_000 });
    return {
      mode: "netns",
      hosts,
      testAddress: `${subnet}.1`,
      description: `hosts: network namespaces ${hosts.map((host) => host.namespace).join(", ")} on ${subnet}.0/24 (bridge ${bridge} at ${subnet}.1, no route out)`,
      remove: async () => {
        removeNow();
        process.removeListener("exit", removeNow);
      },
    };
  } catch (error) {
    removeNow();
    process.removeListener("exit", removeNow);
    throw error;
  }
}

/**
 * Give the bridge a /24 in 10.200-239.x.0 that no address or route of this machine overlaps, and
 * that no other run took at the same moment (checked again once the address is on); its first three octets.
 */
async function claimSubnet(ip: string, bridge: string): Promise<string> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const second = 200 + ((process.pid + attempt * 7) % 40);
    const third = (process.pid * 31 + attempt * 97 + Math.floor(Math.random() * 256)) % 256;
    const subnet = `10.${second}.${third}`;
    if ((await prefixesInUse(ip)).some((prefix) => overlaps(prefix.cidr, `${subnet}.0/24`))) continue;
    await execFileAsync(ip, ["addr", "add", `${subnet}.1/24`, "dev", bridge]);
    const clash = (await prefixesInUse(ip)).some((prefix) => prefix.device !== bridge && overlaps(prefix.cidr, `${subnet}.0/24`));
    if (!clash) return subnet;
    await execFileAsync(ip, ["addr", "delete", `${subnet}.1/24`, "dev", bridge]);
  }
  throw new Error("no free 10.x.y.0/24 subnet found for the test bridge");
}

/** The IPv4 prefixes of this namespace's addresses and routes (the default route left out), with their device. */
async function prefixesInUse(ip: string): Promise<Array<{ cidr: string; device: string }>> {
  const addresses = (await execFileAsync(ip, ["-4", "-o", "addr", "show"])).stdout;
  const routes = (await execFileAsync(ip, ["-4", "-o", "route", "show", "table", "all"])).stdout;
  const found: Array<{ cidr: string; device: string }> = [];
  for (const line of addresses.split("\n")) {
    const match = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (match) found.push({ device: match[1], cidr: match[2] });
  }
  for (const line of routes.split("\n")) {
    const words = line.trim().split(/\s+/);
    const destination = /^\d+\.\d+\.\d+\.\d+/.test(words[0] ?? "") ? words[0] : words[1];
    if (!destination || !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(destination)) continue;
    const device = words[words.indexOf("dev") + 1] ?? "";
    found.push({ device, cidr: destination.includes("/") ? destination : `${destination}/32` });
  }
  return found;
}

function overlaps(first: string, second: string): boolean {
  const parse = (cidr: string) => {
    const [address, length] = cidr.split("/");
    return { value: address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0), length: Number(length) };
  };
  const a = parse(first);
  const b = parse(second);
  const shorter = Math.min(a.length, b.length);
  const block = 2 ** (32 - shorter);
  return Math.floor(a.value / block) === Math.floor(b.value / block);
}

/** SIGKILL whatever still runs in a namespace (processes the tests started there). */
function killProcessesIn(ip: string, namespace: string): void {
  const listed = spawnSync(ip, ["netns", "pids", namespace], { encoding: "utf8", timeout: 10_000 });
  for (const pid of (listed.stdout ?? "").split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The PIDs of the processes running in a namespace. */
export async function namespacePids(namespace: string): Promise<number[]> {
  const { stdout } = await execFileAsync(ipPath(), ["netns", "pids", namespace]);
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** Remove namespaces, bridges and veth ends this helper made in runs whose process is gone. */
async function sweepLeftovers(ip: string): Promise<void> {
  const namespaces = (await execFileAsync(ip, ["netns", "list"])).stdout;
  for (const line of namespaces.split("\n")) {
    const name = line.trim().split(/\s+/)[0] ?? "";
    const match = /^til-(\d+)-[a-z]-[a-z]$/.exec(name);
    if (!match || processIsAlive(Number(match[1]))) continue;
    killProcessesIn(ip, name);
    spawnSync(ip, ["netns", "delete", name], { stdio: "ignore", timeout: 10_000 });
  }
  const links = (await execFileAsync(ip, ["-o", "link", "show"])).stdout;
  for (const line of links.split("\n")) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? "";
    // bridges tilbr<pid><run>, veth ends til<pid><run><host>h (their n ends go with the namespace)
    const match = /^tilbr(\d+)[a-z]$/.exec(name) ?? /^til(\d+)[a-z][a-z][hn]$/.exec(name);
    if (!match || processIsAlive(Number(match[1]))) continue;
    spawnSync(ip, ["link", "delete", name], { stdio: "ignore", timeout: 10_000 });
  }
}
