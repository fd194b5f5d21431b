/**
 * Turning errors from the wallet, the chain, IPFS and the contract into sentences a person can act
 * on. viem/wagmi errors carry a `shortMessage` and a `cause` chain; walk it for known causes.
 */
import { contractRevertOf } from "#core/contract/contract-errors.ts";

interface ErrorLike {
  name?: string;
  message?: string;
  shortMessage?: string;
  details?: string;
  code?: number;
  cause?: unknown;
}

/** Every error in the `cause` chain, outermost first. */
function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === "object" && chain.length < 20) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

export function isUserRejection(error: unknown): boolean {
  return causes(error).some((e) => e.code === 4001 || e.name === "UserRejectedRequestError" || /user (rejected|denied)/i.test(e.message ?? ""));
}

export function isInsufficientFunds(error: unknown): boolean {
  return causes(error).some(
    (e) => e.name === "InsufficientFundsError" || /insufficient funds|sender doesn't have enough funds/i.test(`${e.message ?? ""} ${e.details ?? ""}`),
  );
}

/** The registry's custom error a contract call reverted with, by its decoded name (core/contract/contract-errors.ts). */
export function revertOf(error: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  const revert = contractRevertOf(error);
  return revert && { errorName: revert.name, args: revert.args };
}

/** The most useful one-line message of an error. */
export function messageOf(error: unknown): string {
  const first = causes(error)[0];
  if (!first) return String(error);
  return first.shortMessage ?? first.message ?? String(error);
}
