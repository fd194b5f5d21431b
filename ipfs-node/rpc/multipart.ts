/**
 * Streams the parts of a `multipart/form-data` request body (as kubo-rpc-client sends them) one
 * by one, never holding a whole file: each part's content is read by the consumer before the next
 * part is parsed. Enforces the upload limit and fails cleanly on a truncated or aborted body.
 */
import type { IncomingMessage } from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { InvalidArgumentError, PayloadTooLargeError, RequestParseError } from "../errors.ts";

export interface MultipartPart {
  /**
   * The part's file name as Kubo reads it (go-ipfs-files): query-unescaped, then cleaned as a
   * path below "/" (`.`, `..` and repeated slashes resolved, so no name climbs out), without the
   * leading slash; "" when none.
   */
  path: string;
  /** Set for `application/x-directory` parts. */
  directory: boolean;
  /** Set for `application/symlink` parts: the link's target (the part's bytes). */
  symlinkTarget?: string;
  /** POSIX mode and modification time sent in the part's form name (`file?mode=0644&mtime=…`). */
  mode?: number;
  mtime?: { secs: bigint; nsecs?: number };
  /** The part's bytes; undefined for directories and symlinks. Must be consumed before the next part. */
  content?: AsyncIterable<Uint8Array> | Uint8Array;
}

/**
 * The parts of the body; `fileArgument` names the command's file argument in Kubo's 400 answer
 * to a body that is not multipart (`file argument 'path' is required`).
 */
export async function* multipartParts(req: IncomingMessage, limitBytes: number, fileArgument = "path"): AsyncGenerator<MultipartPart> {
  requireMultipartBody(req, fileArgument);
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, preservePath: true, defParamCharset: "utf8" });
  } catch (err) {
    throw new RequestParseError(`file argument '${fileArgument}' is required`, { cause: err });
  }
  const queue: MultipartPart[] = [];
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  let currentFile: Readable | undefined;
  let pendingSymlink: Promise<void> | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: Error) => {
    if (failure || finished) return;
    failure = err;
    currentFile?.destroy(err);
    req.unpipe(parser);
    notify();
  };

  let received = 0;
  req.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received > limitBytes) fail(new PayloadTooLargeError(limitBytes));
  });
  req.on("close", () => {
    if (!req.complete) fail(new InvalidArgumentError("the request body ended early: the client closed the connection"));
  });
  parser.on("file", (fieldName, stream, info) => {
    const path = kuboPartName(info.filename ?? "");
    const metadata = partMetadata(fieldName);
    if (info.mimeType === "application/x-directory" || info.mimeType === "multipart/form-data") {
      stream.resume();
      queue.push({ path, directory: true, ...metadata });
    } else if (info.mimeType === "application/symlink") {
      // a link target is a short path: read it whole (bounded by the upload limit)
      const chunks: Buffer[] = [];
      const part: MultipartPart = { path, directory: false, ...metadata };
      queue.push(part);
      pendingSymlink = new Promise<void>((resolve) => {
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.once("close", () => {
          part.symlinkTarget = Buffer.concat(chunks).toString("utf8");
          resolve();
        });
      });
    } else {
      currentFile = stream;
      queue.push({ path, directory: false, ...metadata, content: partContent(stream) });
    }
    notify();
  });
  parser.on("field", (_name, value) => {
    queue.push({ path: "", directory: false, content: Buffer.from(value) });
    notify();
  });
  parser.on("error", (err: Error) => fail(new InvalidArgumentError(`malformed multipart body: ${err.message}`)));
  parser.on("close", () => {
    finished = true;
    notify();
  });
  req.pipe(parser);

  /** The part's bytes; a parse failure surfaces as the named error, not busboy's. */
  async function* partContent(stream: Readable): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (err) {
      await new Promise((resolve) => setImmediate(resolve));
      throw failure ?? new InvalidArgumentError(`malformed multipart body: ${(err as Error).message}`);
    }
    if (failure) throw failure;
  }

  while (true) {
    if (failure) throw failure;
    const next = queue.shift();
    if (next) {
      if (pendingSymlink) await pendingSymlink;
      pendingSymlink = undefined;
      if (failure) throw failure;
      yield next;
      continue;
    }
    if (finished) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/**
 * go-ipfs-cmds reads files only from a multipart/form-data body and checks for one before it
 * looks at the options: Kubo's 400 `file argument '<name>' is required` otherwise.
 */
export function requireMultipartBody(req: IncomingMessage, fileArgument: string): void {
  if (!/^multipart\/form-data\s*(;|$)/i.test(req.headers["content-type"] ?? "")) throw new RequestParseError(`file argument '${fileArgument}' is required`);
}

/**
 * A part's file name as go-ipfs-files reads it: Go's `url.QueryUnescape` (`+` is a space, `%XX` a
 * byte; a malformed escape leaves the name as it came), then `path.Clean("/" + name)`.
 */
function kuboPartName(filename: string): string {
  const cleaned = path.posix.normalize(`/${queryUnescape(filename) ?? filename}`);
  return cleaned.replace(/^\/+|\/+$/g, "");
}

/** Go's url.QueryUnescape; undefined when an escape is malformed. */
function queryUnescape(value: string): string | undefined {
  if (!value.includes("%") && !value.includes("+")) return value;
  const bytes: number[] = [];
  const utf8 = Buffer.from(value.replace(/\+/g, " "), "utf8");
  for (let i = 0; i < utf8.length; i++) {
    if (utf8[i] !== 0x25) {
      bytes.push(utf8[i]);
      continue;
    }
    const hex = utf8.subarray(i + 1, i + 3).toString("latin1");
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Mode and mtime from a part's form name, as go-ipfs-files reads them (`file?mode=0644&mtime=S&mtime-nsecs=N`,
 * as Kubo's clients and kubo-rpc-client send them); a malformed value is ignored, as there.
 */
function partMetadata(fieldName: string): Pick<MultipartPart, "mode" | "mtime"> {
  const at = fieldName.indexOf("?");
  if (at === -1) return {};
  const params = new URLSearchParams(fieldName.slice(at + 1));
  const metadata: Pick<MultipartPart, "mode" | "mtime"> = {};
  const mode = params.get("mode");
  if (mode !== null && /^[0-7]+$/.test(mode) && parseInt(mode, 8) <= 0xffffffff) metadata.mode = parseInt(mode, 8);
  const mtime = params.get("mtime");
  if (mtime !== null && /^-?\d+$/.test(mtime)) {
    const nsecs = params.get("mtime-nsecs");
    metadata.mtime = { secs: BigInt(mtime), ...(nsecs !== null && /^\d+$/.test(nsecs) && Number(nsecs) < 1e9 ? { nsecs: Number(nsecs) } : {}) };
  }
  return metadata;
}
