/**
 * Publishing a draft: pack (CID computed locally) → check the wallet, the chain and whether this
 * author already published the same content → pin through the Kubo RPC API (the node must return
 * the same CID) → send `publish(digest)` from the wallet → wait for the block. Each step reports
 * progress; every failure becomes a {@link PublishError} with a sentence the user can act on.
 */
import { getConnection, readContract, simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";
import type { Address, Hex } from "viem";
import { normalizeNote, type Note } from "#core/entry/note.ts";
import { equalBytes } from "#core/bytes.ts";
import { noteIdentity, noteKey } from "#core/entry/note-identity.ts";
import { packEntry, type PackedEntry } from "#core/entry/pack.ts";
import { PinnedCidMismatchError, pinEntry } from "#core/entry/pin.ts";
import { wagmiConfig, appChain } from "../wagmi.ts";
import { registry } from "../chain/registry.ts";
import { settings } from "../settings/settings.ts";
import { isInsufficientFunds, isUserRejection, messageOf, revertOf } from "../errors.ts";

/**
 * The app's public URL (the build's VITE_TIL_PUBLIC_APP_URL, e.g. `https://til.example/`): when
 * set, entries' metadata `external_url` links the note's page there. Unset: no external_url.
 */
const PUBLIC_APP_URL = (import.meta.env.VITE_TIL_PUBLIC_APP_URL as string | undefined)?.trim() || undefined;

export type PublishStep = "pack" | "check" | "pin" | "wallet" | "mine" | "done";

export const PUBLISH_STEPS: { step: PublishStep; label: string }[] = [
  { step: "pack", label: "Packing the entry and computing its CID" },
  { step: "check", label: "Checking wallet, chain and earlier publications" },
  { step: "pin", label: "Pinning to IPFS" },
  { step: "wallet", label: "Confirm in your wallet" },
  { step: "mine", label: "Waiting for the block" },
  { step: "done", label: "Published" },
];

export type PublishErrorKind =
  | "invalid"
  | "not-connected"
  | "wrong-chain"
  | "already-published"
  | "not-author"
  | "unchanged"
  | "ipfs-unreachable"
  | "ipfs-refused"
  | "cid-mismatch"
  | "rejected"
  | "insufficient-funds"
  | "reverted"
  | "chain";

export class PublishError extends Error {
  static name = "PublishError";
  constructor(
    readonly kind: PublishErrorKind,
    message: string,
    readonly extra: { cid?: string; tokenId?: bigint } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PublishError";
  }
}

export interface PublishProgress {
  step: PublishStep;
  cid?: string;
  txHash?: string;
  tokenId?: bigint;
  warnings?: string[];
}

export interface PublishResult {
  cid: string;
  tokenId: bigint;
  txHash: string;
}

/** The entry a revision is for: its token, its author and the CID of its latest version. */
export interface RevisionTarget {
  tokenId: bigint;
  author: Address;
  /** The latest version's CID: the revision links it as `previous`. */
  cid: string;
  /**
   * The latest version's note and images (index.md and images/*, by path): a revision whose are the
   * same changes nothing but its link to the version before it, and is refused.
   */
  files?: Map<string, Uint8Array>;
}

/** Whether the packed entry's note and images are exactly `files` (the version it would revise). */
function sameContent(packed: PackedEntry, files: Map<string, Uint8Array>): boolean {
  const content = packed.files.filter((f) => f.path === "index.md" || f.path.startsWith("images/"));
  return (
    content.length === files.size &&
    content.every((f) => {
      const other = files.get(f.path);
      return other !== undefined && equalBytes(other, f.content);
    })
  );
}

/**
 * Publishes a new entry, or with `target` a revision of that entry (contract `revise`): pack
 * (naming the connected account as the author, recording the note's identity and, for a
 * revision, the version it revises), check, pin, wallet, block.
 */
export async function publishDraft(
  note: Note,
  images: Map<string, Uint8Array>,
  onProgress: (p: PublishProgress) => void,
  target?: RevisionTarget,
): Promise<PublishResult> {
  // 1. Pack, as the connected account (the author named in the entry; checked in step 2).
  onProgress({ step: "pack" });
  const connection = getConnection(wagmiConfig);
  let packed: PackedEntry;
  let key: Hex;
  try {
    const canonical = normalizeNote(note);
    // The identity: the note's own (a revision keeps the revised entry's), else its title and date (note-identity.ts).
    const id = noteIdentity(canonical);
    key = noteKey(id);
    packed = await packEntry(
      { ...canonical, id },
      {
        images,
        ...(connection.address ? { author: connection.address } : {}),
        ...(target ? { previous: target.cid } : {}),
        ...(PUBLIC_APP_URL ? { appUrl: PUBLIC_APP_URL } : {}),
      },
    );
  } catch (error) {
    throw new PublishError("invalid", messageOf(error), {}, { cause: error });
  }
  const { cid, digest } = packed;

  // 2. Wallet, chain, already published? (a revision: by its author, and changed)
  onProgress({ step: "check", cid, warnings: packed.warnings.map((w) => w.message) });
  if (!connection.isConnected || !connection.address)
    throw new PublishError("not-connected", "Connect a wallet first (top right): the entry is minted to the connected account.", { cid });
  if (connection.chainId !== appChain.id) {
    throw new PublishError(
      "wrong-chain",
      `Your wallet is on chain ${connection.chainId}, but the registry is on ${appChain.name} (chain id ${appChain.id}). Switch networks and publish again.`,
      { cid },
    );
  }
  const author: Address = connection.address;
  if (target && target.author.toLowerCase() !== author.toLowerCase())
    throw new PublishError("not-author", `Only the entry's author, ${target.author}, can publish a revision of it; your wallet is ${author}.`, { cid });
  if (target && (target.cid === cid || (target.files && sameContent(packed, target.files))))
    throw new PublishError("unchanged", "Nothing changed: this is the entry's latest version. Edit the note first.", { cid });
  let existing: bigint;
  try {
    existing = await readContract(wagmiConfig, { ...registry, functionName: "tokenOf", args: [author, digest], chainId: appChain.id });
  } catch (error) {
    throw new PublishError("chain", `Cannot reach the registry at ${settings.rpcUrl}: ${messageOf(error)}`, { cid }, { cause: error });
  }
  if (existing !== 0n) throw new PublishError("already-published", "You already published exactly this content.", { cid, tokenId: existing });

  // 3. Pin.
  onProgress({ step: "pin", cid });
  await pinToNode(packed);

  // 4. Wallet.
  onProgress({ step: "wallet", cid });
  let txHash: `0x${string}`;
  try {
    if (target) {
      const { request } = await simulateContract(wagmiConfig, {
        ...registry,
        functionName: "revise",
        args: [target.tokenId, digest],
        account: author,
        chainId: appChain.id,
      });
      txHash = await writeContract(wagmiConfig, request);
    } else {
      const { request } = await simulateContract(wagmiConfig, {
        ...registry,
        functionName: "publish",
        args: [digest, key],
        account: author,
        chainId: appChain.id,
      });
      txHash = await writeContract(wagmiConfig, request);
    }
  } catch (error) {
    throw toPublishError(error, cid);
  }

  // 5. Block.
  onProgress({ step: "mine", cid, txHash });
  const receipt = await waitForTransactionReceipt(wagmiConfig, { hash: txHash, chainId: appChain.id });
  if (receipt.status !== "success") throw new PublishError("reverted", `The transaction ${txHash} was included but reverted.`, { cid });
  const tokenId = target
    ? target.tokenId
    : await readContract(wagmiConfig, { ...registry, functionName: "tokenOf", args: [author, digest], chainId: appChain.id });
  onProgress({ step: "done", cid, txHash, tokenId });
  return { cid, tokenId, txHash };
}

/** A Kubo RPC client for the IPFS node in Settings (loaded when first needed). */
export async function ipfsNodeClient() {
  const { create } = await import("kubo-rpc-client");
  return create({ url: settings.ipfsApiUrl, headers: settings.ipfsApiAuth ? { authorization: settings.ipfsApiAuth } : undefined });
}

/** Pins the packed entry through the Kubo RPC API (core/entry/pin.ts), which must return its CID. */
async function pinToNode(packed: PackedEntry): Promise<void> {
  const client = await ipfsNodeClient();
  try {
    await pinEntry(client, packed);
  } catch (error) {
    if (error instanceof PinnedCidMismatchError) {
      throw new PublishError("cid-mismatch", `${error.message} Publishing stopped; your draft is kept.`, { cid: packed.cid }, { cause: error });
    }
    const status = (error as { status?: number; response?: { status?: number } }).response?.status ?? (error as { status?: number }).status;
    if (status === 401 || status === 403) {
      throw new PublishError(
        "ipfs-refused",
        `The IPFS RPC API at ${settings.ipfsApiUrl} refused the request (HTTP ${status}). Check the authorization header in Settings, or allow this origin (${location.origin}) in the node's API origins (TIL_IPFS_API_ORIGINS).`,
        { cid: packed.cid },
        { cause: error },
      );
    }
    if (error instanceof TypeError || /fetch|network|ECONNREFUSED/i.test(messageOf(error))) {
      throw new PublishError(
        "ipfs-unreachable",
        `Cannot reach the IPFS RPC API at ${settings.ipfsApiUrl}, or it refused this page's origin (${location.origin}). Start the local stack with \`npm start\`, add this origin to TIL_IPFS_API_ORIGINS, or change the API URL in Settings. Nothing was published; your draft is kept.`,
        { cid: packed.cid },
        { cause: error },
      );
    }
    throw new PublishError("ipfs-unreachable", `Pinning failed: ${messageOf(error)}`, { cid: packed.cid }, { cause: error });
  }
}

function toPublishError(error: unknown, cid: string): PublishError {
  if (isUserRejection(error))
    return new PublishError(
      "rejected",
      "You rejected the transaction in your wallet. Nothing was minted; your draft is kept (the content stays pinned).",
      { cid },
      { cause: error },
    );
  if (isInsufficientFunds(error))
    return new PublishError(
      "insufficient-funds",
      `The account has too little ${appChain.nativeCurrency.symbol} to pay for the transaction. Fund it and publish again.`,
      { cid },
      { cause: error },
    );
  const revert = revertOf(error);
  if (revert?.errorName === "TILNotAuthor")
    return new PublishError("not-author", `Only the entry's author, ${String(revert.args[2])}, can publish a revision of it.`, { cid }, { cause: error });
  if (revert?.errorName === "TILUnchangedDigest")
    return new PublishError("unchanged", "Nothing changed: this is the entry's latest version. Edit the note first.", { cid }, { cause: error });
  if (revert?.errorName === "TILDigestIsAnotherEntry")
    return new PublishError(
      "already-published",
      "You already published exactly this content as another entry.",
      { cid, tokenId: revert.args[2] as bigint },
      { cause: error },
    );
  if (revert?.errorName === "TILEntryAlreadyPublished") {
    return new PublishError("already-published", "You already published exactly this content.", { cid, tokenId: revert.args[2] as bigint }, { cause: error });
  }
  if (revert)
    return new PublishError(
      "reverted",
      `The registry refused the entry: ${revert.errorName}(${revert.args.map(String).join(", ")}).`,
      { cid },
      { cause: error },
    );
  const message = messageOf(error);
  if (/chain/i.test(message) && /mismatch|does not match/i.test(message))
    return new PublishError("wrong-chain", `Your wallet switched to another chain: ${message}`, { cid }, { cause: error });
  return new PublishError("chain", message, { cid }, { cause: error });
}
