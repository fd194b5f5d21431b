/**
 * Recognising the registry's custom errors (`TILEntryAlreadyPublished`, `TILDuplicateInBatch`, ...)
 * by their decoded name and arguments, never by an error message's wording. Works on ethers errors
 * (revert data in `data`, or `revert` already parsed) and viem errors (`data.errorName`, or raw
 * revert data), anywhere in the `cause` chain. Browser-safe.
 */
import { decodeErrorResult, type Hex } from "viem";
import { todayILearnedAbi } from "./abi.generated.ts";

export interface ContractRevert {
  /** The custom error's name in the registry's ABI, e.g. "TILEntryAlreadyPublished". */
  name: string;
  args: readonly unknown[];
}

interface ErrorFields {
  cause?: unknown;
  error?: unknown;
  info?: { error?: unknown };
  data?: unknown;
  revert?: { name?: unknown; args?: unknown };
}

/** The registry custom error `error` carries, decoded with the generated ABI, or undefined. */
export function contractRevertOf(error: unknown): ContractRevert | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 32) {
    const current = queue.shift();
    if (!current || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const e = current as ErrorFields;
    // ethers: `revert` when the contract's interface parsed it.
    if (typeof e.revert?.name === "string") return { name: e.revert.name, args: [...((e.revert.args as unknown[] | undefined) ?? [])] };
    // viem: ContractFunctionRevertedError's `data`.
    const data = e.data as { errorName?: unknown; args?: readonly unknown[]; data?: unknown } | undefined;
    if (data && typeof data === "object" && typeof data.errorName === "string") return { name: data.errorName, args: data.args ?? [] };
    // Raw revert data: ethers' CallExceptionError `data`, an RPC error's `data` (or `data.data`).
    for (const raw of [data, data?.data]) {
      const decoded = decodeRevertData(raw);
      if (decoded) return decoded;
    }
    queue.push(e.cause, e.error, e.info?.error);
  }
  return undefined;
}

/** True when `error` is the registry's custom error `name`. */
export function isContractError(error: unknown, name: string): boolean {
  return contractRevertOf(error)?.name === name;
}

function decodeRevertData(raw: unknown): ContractRevert | undefined {
  if (typeof raw !== "string" || !/^0x[0-9a-fA-F]{8,}$/.test(raw)) return undefined;
  try {
    const { errorName, args } = decodeErrorResult({ abi: todayILearnedAbi, data: raw as Hex });
    return { name: errorName, args: args ?? [] };
  } catch {
    return undefined;
  }
}
