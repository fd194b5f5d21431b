/**
 * The node's peer identity: an Ed25519 key made on first start and kept in the repo, shown as a
 * libp2p peer ID (`12D3KooW...`) by `id`. The same key is the node's libp2p key when it is online
 * ({@link loadPrivateKey}), so its peer ID is stable across restarts.
 */
import { generateKeyPairSync } from "node:crypto";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { readFile, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { base58btc } from "multiformats/bases/base58";
import { base64 } from "multiformats/bases/base64";
import { IpfsNodeError } from "./errors.ts";

export interface NodeIdentity {
  peerId: string;
  /** libp2p protobuf PublicKey, base64 (Kubo's `PublicKey` field). */
  publicKey: string;
}

export async function loadOrCreateIdentity(repoPath: string): Promise<NodeIdentity> {
  const file = path.join(repoPath, "identity.json");
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as { publicKeyRaw: string };
    return identityFromRawKey(Buffer.from(saved.publicKeyRaw, "base64"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyRaw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const privateKeyPkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
  const temporary = `${file}.tmp`;
  await writeFile(temporary, JSON.stringify({ publicKeyRaw: publicKeyRaw.toString("base64"), privateKeyPkcs8: privateKeyPkcs8.toString("base64") }), {
    mode: 0o600,
  });
  await rename(temporary, file);
  return identityFromRawKey(publicKeyRaw);
}

function identityFromRawKey(raw: Uint8Array): NodeIdentity {
  // protobuf PublicKey { Type = Ed25519 (1), Data = 32 bytes }
  const protobufKey = Uint8Array.from([0x08, 0x01, 0x12, 0x20, ...raw]);
  // identity multihash (code 0x00) of the protobuf key
  const multihash = Uint8Array.from([0x00, protobufKey.length, ...protobufKey]);
  return { peerId: base58btc.baseEncode(multihash), publicKey: base64.baseEncode(protobufKey) };
}

/** The node's private key as libp2p takes it (the identity must exist: {@link loadOrCreateIdentity} first). */
export async function loadPrivateKey(repoPath: string): Promise<PrivateKey> {
  const saved = JSON.parse(await readFile(path.join(repoPath, "identity.json"), "utf8")) as { privateKeyPkcs8?: string };
  const pkcs8 = Buffer.from(saved.privateKeyPkcs8 ?? "", "base64");
  // an Ed25519 PKCS#8 document ends with the 32-byte seed
  if (pkcs8.length < 48)
    throw new IpfsNodeError(`${path.join(repoPath, "identity.json")} holds no Ed25519 private key; move the file away to make a new identity.`);
  return generateKeyPairFromSeed("Ed25519", pkcs8.subarray(-32));
}
