/**
 * Why the app says an entry was not pinned remotely (frontend/src/editor/remote-pins.ts): the IPFS
 * node's RPC carries only an error message, and the app tells a service that refused the node's
 * key from one that did not answer, as this node and Kubo word them.
 */
import { describe, expect, it } from "vitest";
import { askingFailure, shownMessage } from "../../frontend/src/editor/remote-pins.ts";

describe("remote pinning failures", () => {
  it("a refused key: the service's 401 or 403, with the spec's reasons", () => {
    expect(askingFailure("the pinning service at http://127.0.0.1:4100 answered 401 UNAUTHORIZED: this token is not valid here")).toBe("refused");
    expect(askingFailure("the pinning service at http://127.0.0.1:4100 answered 403 FORBIDDEN")).toBe("refused");
    // Kubo relays the service's Failure body
    expect(askingFailure('reason: "UNAUTHORIZED", details: "Access token missing"')).toBe("refused");
  });

  it("no answer: nothing listening, no such host, timeouts", () => {
    expect(askingFailure("the pinning service at http://127.0.0.1:9 did not answer (fetch failed)")).toBe("unreachable");
    expect(askingFailure('Post "http://127.0.0.1:9/pins": dial tcp 127.0.0.1:9: connect: connection refused')).toBe("unreachable");
    expect(askingFailure('Post "https://pins.invalid/pins": dial tcp: lookup pins.invalid: no such host')).toBe("unreachable");
    expect(askingFailure("context deadline exceeded")).toBe("unreachable");
  });

  it("anything else stays a plain failure, a CID's digits never taken for a status", () => {
    expect(askingFailure("the pinning service at http://127.0.0.1:4100 answered 413 INSUFFICIENT_FUNDS: quota of 10 MiB reached")).toBe("error");
    expect(askingFailure("service not known: friend")).toBe("error");
    expect(askingFailure("bafkreih401abc403def is not pinned")).toBe("error");
  });

  it("shows a service's words bounded: the first line, at most 500 characters", () => {
    const long = `the pinning service at http://127.0.0.1:4100 answered 400 BAD_REQUEST: ${"x".repeat(1_000_000)}\nsecond line`;
    const shown = shownMessage(long);
    expect(shown.length).toBe(501);
    expect(shown.endsWith("…")).toBe(true);
    expect(shownMessage("short\nsecond line")).toBe("short");
  });
});
