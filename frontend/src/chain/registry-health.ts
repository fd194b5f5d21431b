/**
 * Is there a registry where the settings point? One `eth_getCode` at the registry's address tells
 * "no contract at this address on this chain" (wrong address, or a restarted local chain) apart
 * from "the chain does not answer" and from an empty registry. Asked once per page load, on demand.
 */
import { publicClient, registry } from "./registry.ts";
import { messageOf } from "../errors.ts";

export type RegistryHealth = { status: "ok" } | { status: "no-contract" } | { status: "unreachable"; error: string };

let asked: Promise<RegistryHealth> | undefined;

export function registryHealth(): Promise<RegistryHealth> {
  asked ??= publicClient.getCode({ address: registry.address }).then(
    (code): RegistryHealth => (code && code !== "0x" ? { status: "ok" } : { status: "no-contract" }),
    (error): RegistryHealth => ({ status: "unreachable", error: messageOf(error) }),
  );
  return asked;
}
