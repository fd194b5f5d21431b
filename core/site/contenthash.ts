/**
 * ENS contenthash (ENSIP-7, formerly EIP-1577) of an IPFS CID: the multicodec `ipfs-ns` (0xe3,
 * written as the unsigned varint 0xe3 0x01) followed by the binary CIDv1 (version, content type,
 * multihash), as a resolver's `setContenthash` takes it.
 */
import { CID } from "multiformats/cid";
import { toHex } from "../bytes.ts";

const IPFS_NS = [0xe3, 0x01];

/** @example ensContenthash("bafybei...") // "0xe301017012..." */
export function ensContenthash(cid: string): `0x${string}` {
  const bytes = CID.parse(cid).toV1().bytes;
  return `0x${toHex(new Uint8Array([...IPFS_NS, ...bytes])).replace(/^0x/, "")}`;
}

/** The CIDv1 a contenthash names; throws when it is not an `ipfs-ns` value. */
export function cidFromEnsContenthash(contenthash: string): string {
  const hex = contenthash.replace(/^0x/i, "");
  if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new Error("a contenthash is hex digits");
  const bytes = new Uint8Array(hex.match(/../g)!.map((pair) => Number.parseInt(pair, 16)));
  if (bytes[0] !== IPFS_NS[0] || bytes[1] !== IPFS_NS[1]) throw new Error("not an ipfs-ns contenthash (0xe301...)");
  return CID.decode(bytes.subarray(2)).toString();
}
