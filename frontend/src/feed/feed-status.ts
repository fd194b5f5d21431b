/**
 * The feed's status line: how many entries are shown of how many read, whether older ones are
 * still coming, how much of the search index is filled; and when the chain can't be read, why
 * (the registry's health, the same states ../ui/RegistryProblem.tsx explains below it) and what
 * to do, never "0 of 0 (reading older entries…)".
 */
import type { RegistryHealth } from "../chain/registry-health.ts";

export interface FeedStatusInput {
  status: "loading" | "ready" | "error";
  /** Entries shown (after filters) and entries read. */
  shown: number;
  total: number;
  historyComplete: boolean;
  /** The registry's health, asked when a read failed (undefined while asking). */
  health?: RegistryHealth;
  /** Entries indexed so far, when a filter needs the search index and it is still filling. */
  indexed?: number;
  /** Where the app reads the chain, for the messages. */
  chain: { id: number; rpcUrl: string };
}

/** Progress figures with thousands separators (the counts stay plain: tests and the benchmark read them). */
const count = (n: number) => n.toLocaleString("en");

export function feedStatusText({ status, shown, total, historyComplete, health, indexed, chain }: FeedStatusInput): string {
  if (status === "loading") return "Reading entries from the chain…";
  const counts = `${shown} of ${total} entr${total === 1 ? "y" : "ies"}`;
  if (status === "error") {
    const read = total > 0 ? `${counts} read so far. ` : "";
    if (health?.status === "unreachable")
      return `${read}Chain ${chain.id} does not answer at ${chain.rpcUrl}. Is the node running? Check the chain RPC URL in Settings, then try again.`;
    if (health?.status === "no-contract") return `${read}No registry at this address on chain ${chain.id}. Check the registry address in Settings.`;
    if (health?.status === "ok") return `${read}Reading the entries failed (the error is below); trying again in a few seconds.`;
    return `${read}Reading the entries failed; asking chain ${chain.id} why…`;
  }
  const older = historyComplete ? "" : " (reading older entries…)";
  const filling = indexed === undefined ? "" : ` (indexed ${count(indexed)} of ${count(total)}; more matches may appear)`;
  return `${counts}${older}${filling}`;
}
