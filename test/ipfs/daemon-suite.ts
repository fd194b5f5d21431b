/**
 * Test helper: the daemon of one `describe` block, started as a process on a fresh repo before
 * its tests and stopped (its repo removed) after them, so no test file repeats that pair of hooks.
 *
 *     const { daemon, api } = daemonForSuite(["--upload-limit", "8MiB"]);
 *
 * `daemon` and `api` stand for the started daemon and its kubo-rpc-client from the suite's first
 * `before` on; used earlier, they throw.
 */
import { after, before } from "node:test";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { makeTempRepo, removeRepo, startDaemonProcess, type DaemonProcess } from "./daemon-process.ts";

export function daemonForSuite(extraArgs: string[] = []): { daemon: DaemonProcess; api: KuboRPCClient } {
  let daemon: DaemonProcess | undefined;
  let api: KuboRPCClient | undefined;
  before(async () => {
    daemon = await startDaemonProcess(await makeTempRepo(), extraArgs);
    api = create({ url: daemon.apiUrl });
  });
  after(async () => {
    if (!daemon) return;
    await daemon.stop();
    await removeRepo(daemon.repo);
  });
  return { daemon: startedLater(() => daemon, "daemon"), api: startedLater(() => api, "api") };
}

/** An object that forwards to the one `current()` returns once the suite has started it. */
function startedLater<T extends object>(current: () => T | undefined, name: string): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = current();
      if (!target) throw new Error(`the suite's ${name} is used before its before() hook started it`);
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
