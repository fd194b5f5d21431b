/**
 * Streams the parts of a `multipart/form-data` request body (as kubo-rpc-client sends them) one
 * by one, never holding a whole file: each part's content is read by the consumer before the next
 * part is parsed. Enforces the upload limit and fails cleanly on a truncated or aborted body.
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { InvalidArgumentError, PayloadTooLargeError } from "../errors.ts";

export interface MultipartPart {
  /** The part's file name, URL-decoded (kubo-rpc-client URL-encodes paths); "" when none. */
  path: string;
  /** Set for `application/x-directory` parts. */
  directory: boolean;
  /** The part's bytes; undefined for directories. Must be consumed before the next part. */
  content?: AsyncIterable<Uint8Array> | Uint8Array;
}

export async function* multipartParts(req: IncomingMessage, limitBytes: number): AsyncGenerator<MultipartPart> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, preservePath: true, defParamCharset: "utf8" });
  } catch (err) {
    throw new InvalidArgumentError(`expected a multipart/form-data request body (${(err as Error).message})`);
  }
  const queue: MultipartPart[] = [];
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  let currentFile: Readable | undefined;
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
  parser.on("file", (_name, stream, info) => {
    const path = decodePartName(info.filename ?? "");
    if (info.mimeType === "application/x-directory") {
      stream.resume();
      queue.push({ path, directory: true });
    } else {
      currentFile = stream;
      queue.push({ path, directory: false, content: partContent(stream) });
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
      yield next;
      continue;
    }
    if (finished) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

function decodePartName(filename: string): string {
  try {
    return decodeURIComponent(filename);
  } catch {
    return filename;
  }
}
