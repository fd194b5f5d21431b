/**
 * Named errors of the embedded IPFS node. Each carries the HTTP status the RPC API answers with
 * and the status the gateway answers with. On the RPC API, as go-ipfs-cmds answers Kubo's
 * commands: a request that cannot be parsed (a missing argument, an option value of the wrong
 * type, a body that is not multipart) gets 400 with the message as plain text, before the
 * command runs; every error of a running command gets 500 with `{"Message","Code":0,"Type":"error"}`.
 */

export class IpfsNodeError extends Error {
  static name = "IpfsNodeError";
  /** Status on the Kubo RPC API. */
  rpcStatus = 500;
  /** `Code` in Kubo's error body: 0 = command failed, 1 = client error. */
  kuboCode = 0;
  /** Status on the gateway. */
  gatewayStatus = 500;
  /** Answered on the RPC API as plain text (go-ipfs-cmds' request parse errors), not Kubo's JSON body. */
  rpcPlainText = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IpfsNodeError";
  }
}

/** A request argument or option value the command refuses (Kubo: the command fails, 500). */
export class InvalidArgumentError extends IpfsNodeError {
  static name = "InvalidArgumentError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidArgumentError";
    this.gatewayStatus = 400;
  }
}

/**
 * A request go-ipfs-cmds refuses before the command runs: a required argument missing, an option
 * value that does not convert to the option's type, no multipart body for a file argument.
 * Kubo answers 400 with the message as plain text.
 */
export class RequestParseError extends InvalidArgumentError {
  static name = "RequestParseError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RequestParseError";
    this.rpcStatus = 400;
    this.rpcPlainText = true;
  }
}

/** A string that should be a CID (or /ipfs/ path) is not one. */
export class InvalidCidError extends InvalidArgumentError {
  static name = "InvalidCidError";
  constructor(value: string, options?: ErrorOptions) {
    super(`invalid path "${value}": not a CID or /ipfs/<cid>[/path]. Pass a CID such as QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o.`, options);
    this.name = "InvalidCidError";
  }
}

/** The path names a link that the directory does not have. */
export class PathNotFoundError extends IpfsNodeError {
  static name = "PathNotFoundError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PathNotFoundError";
    this.gatewayStatus = 404;
  }
}

/** A block the request needs is not in the local store (this node does not fetch from the network). */
export class BlockNotLocalError extends IpfsNodeError {
  static name = "BlockNotLocalError";
  readonly cid: string;
  constructor(cid: string, options?: ErrorOptions) {
    super(`block ${cid} is not in this node's store, and this node does not fetch from the IPFS network. Add the content to this node first.`, options);
    this.name = "BlockNotLocalError";
    this.cid = cid;
    this.gatewayStatus = 504;
  }
}

/** An online node's fetch of a block it lacks found nobody to send it in time. */
export class BlockNotFetchedError extends BlockNotLocalError {
  static name = "BlockNotFetchedError";
  constructor(cid: string, options?: ErrorOptions) {
    super(cid, options);
    this.name = "BlockNotFetchedError";
    const cause = options?.cause instanceof Error ? options.cause : undefined;
    const timedOut = cause && (/^(AbortError|TimeoutError)$/.test(cause.name) || /abort/i.test(cause.message));
    const reason = timedOut ? " within the fetch timeout" : cause ? ` (${cause.message.split("\n")[0]})` : "";
    this.message = `block ${cid} is not in this node's store, and no peer or gateway sent it${reason}. Check that a node holding it is reachable (swarm/peers, routing/findprovs), or raise --fetch-timeout.`;
  }
}

/** The request body is larger than the configured upload limit. */
export class PayloadTooLargeError extends IpfsNodeError {
  static name = "PayloadTooLargeError";
  constructor(limitBytes: number) {
    super(`request body is larger than the upload limit of ${limitBytes} bytes; raise it with --upload-limit or TIL_IPFS_UPLOAD_LIMIT.`);
    this.name = "PayloadTooLargeError";
    this.rpcStatus = 413;
    this.gatewayStatus = 413;
  }
}

/** The CID is not pinned the way the request asks. */
export class NotPinnedError extends IpfsNodeError {
  static name = "NotPinnedError";
  constructor(cid: string) {
    super(`${cid} is not pinned or pinned indirectly`);
    this.name = "NotPinnedError";
  }
}

/** The request uses an option or content this node does not support. */
export class UnsupportedError extends IpfsNodeError {
  static name = "UnsupportedError";
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedError";
    this.gatewayStatus = 501;
  }
}
