/**
 * Test helper: the til-repo-quirks fixture (a TIL repository with the quirks of real ones) copied
 * to a temporary folder, completed with the files that are binary or must not be committed: a
 * real PNG and GIF, a `.env`, a Latin-1 note and a binary file named .md.
 */
import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync, crc32 } from "node:zlib";

export const QUIRKS_FIXTURE = fileURLToPath(new URL("../fixtures/til-repo-quirks", import.meta.url));

/** A valid 2x2 RGB PNG (signature, IHDR, IDAT, IEND with their CRCs). */
export function tinyPng(seed = 0): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.from([0, seed & 0xff, 0x40, 0x80, 0xff, 0, 0, 0, 0x10, 0x20, 0x30, 0xff, 0xff, 0xff]);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]));
}

/** A 1x1 GIF89a: header, logical screen with a 2-colour table, one image, LZW data, trailer. */
export const TINY_GIF = new Uint8Array([
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
  0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
]);

/** "# Café crème" and a line of text, in Latin-1: the é (0xE9) is not UTF-8. */
export const LATIN1_NOTE = Buffer.concat([
  Buffer.from("# Caf"),
  Buffer.from([0xe9]),
  Buffer.from(" cr"),
  Buffer.from([0xe8]),
  Buffer.from("me\n\nWritten in an old editor.\n"),
]);

/** Copies the fixture to `dir` and adds the generated files; returns `dir`. */
export async function makeQuirksRepo(dir: string): Promise<string> {
  await cp(QUIRKS_FIXTURE, dir, { recursive: true });
  await mkdir(path.join(dir, "git/images"), { recursive: true });
  await writeFile(path.join(dir, "git/images/branch.png"), tinyPng());
  await writeFile(path.join(dir, "git/images/spinner.gif"), TINY_GIF);
  await writeFile(path.join(dir, "shell/.env"), "SERVICE_TOKEN=made-up-value-for-tests\n");
  await writeFile(path.join(dir, "css/latin1.md"), LATIN1_NOTE);
  await writeFile(path.join(dir, "css/binary.md"), Buffer.concat([Buffer.from(tinyPng(1)), Buffer.alloc(64)]));
  return dir;
}
