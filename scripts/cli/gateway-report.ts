/**
 * What the gateways did during a verified read, per gateway: blocks served, requests that failed
 * (HTTP errors, timeouts, unreachable) and answers whose bytes did not match the CID. `til show`
 * names every gateway that failed or lied; `til verify` counts them in its JSON.
 */
import type { GatewayFailure, VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { terminalLine } from "./terminal-text.ts";

export interface GatewayTally {
  gateway: string;
  /** Blocks this gateway served with matching bytes. */
  served: number;
  /** Requests that gave no usable answer: HTTP errors, timeouts, unreachable. */
  failed: number;
  /** Answers whose bytes did not hash to the CID asked for (rejected). */
  mismatched: number;
  /** The distinct reasons of the failed requests, e.g. "HTTP 500". */
  reasons: string[];
}

/** Adds the outcomes recorded by `session` (a {@link VerifiedGatewayBlockstore.session}) to `tallies`. */
export function addOutcomes(tallies: Map<string, GatewayTally>, session: Pick<VerifiedGatewayBlockstore, "served" | "failures">): void {
  const tallyOf = (gateway: string) => {
    let tally = tallies.get(gateway);
    if (!tally) {
      tally = { gateway, served: 0, failed: 0, mismatched: 0, reasons: [] };
      tallies.set(gateway, tally);
    }
    return tally;
  };
  for (const [gateway, count] of session.served) tallyOf(gateway).served += count;
  for (const failure of session.failures) addFailure(tallyOf(failure.gateway), failure);
}

function addFailure(tally: GatewayTally, failure: GatewayFailure): void {
  if (failure.kind === "mismatch") {
    tally.mismatched += 1;
    return;
  }
  tally.failed += 1;
  if (!tally.reasons.includes(failure.reason)) tally.reasons.push(failure.reason);
}

/** The tallies in the order the gateways are configured (every configured gateway, even idle ones). */
export function tallyList(gateways: readonly string[], tallies: Map<string, GatewayTally>): GatewayTally[] {
  return gateways.map((gateway) => tallies.get(gateway) ?? { gateway, served: 0, failed: 0, mismatched: 0, reasons: [] });
}

/** One line per gateway that failed or lied, e.g. "http://a: 3 blocks with bytes that did not match the CID (rejected)". */
export function describeTroubles(tallies: Iterable<GatewayTally>): string[] {
  const lines: string[] = [];
  for (const t of tallies) {
    const parts: string[] = [];
    if (t.mismatched > 0) parts.push(`${t.mismatched} block${t.mismatched === 1 ? "" : "s"} with bytes that did not match the CID (rejected)`);
    if (t.failed > 0)
      parts.push(`${t.failed} failed request${t.failed === 1 ? "" : "s"} (${t.reasons.slice(0, 3).join("; ")}${t.reasons.length > 3 ? "; ..." : ""})`);
    if (parts.length > 0) lines.push(terminalLine(`${t.gateway}: ${parts.join(", ")}`));
  }
  return lines;
}

/** "http://a (3 blocks), http://b (1 block)", or undefined when no gateway served anything. */
export function describeServed(tallies: Iterable<GatewayTally>): string | undefined {
  const served = [...tallies].filter((t) => t.served > 0).map((t) => `${t.gateway} (${t.served} block${t.served === 1 ? "" : "s"})`);
  return served.length > 0 ? terminalLine(served.join(", ")) : undefined;
}
