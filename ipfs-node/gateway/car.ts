/**
 * CARv1 framing for trustless gateway responses: a dag-cbor header `{roots, version: 1}` then each
 * block as varint(length) + CID bytes + block bytes.
 */
import type { CID } from "multiformats/cid";

export function carHeader(root: CID): Uint8Array {
  // dag-cbor map with keys in canonical order (shorter first): {"roots": [CID], "version": 1}
  const cidBytes = Uint8Array.from([0x00, ...root.bytes]); // tag-42 payload starts with the 0x00 multibase prefix
  const header = Uint8Array.from([
    0xa2,
    0x65,
    ...new TextEncoder().encode("roots"),
    0x81,
    0xd8,
    0x2a,
    0x58,
    cidBytes.length,
    ...cidBytes,
    0x67,
    ...new TextEncoder().encode("version"),
    0x01,
  ]);
  return concat(varint(header.length), header);
}

export function carBlock(cid: CID, bytes: Uint8Array): Uint8Array[] {
  return [concat(varint(cid.bytes.length + bytes.length), cid.bytes), bytes];
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Uint8Array.from(out);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
