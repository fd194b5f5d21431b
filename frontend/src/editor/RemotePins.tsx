/**
 * Under "Published!": the entry's remote pinning, service by service, as the IPFS node reports it
 * (see remote-pins.ts). Nothing is shown when the node knows no remote pinning service.
 */
import { useEffect, useState } from "react";
import { messageOf } from "../errors.ts";
import { ipfsNodeClient } from "./publish.ts";
import { followRemotePins, type RemotePinState } from "./remote-pins.ts";

const LABELS: Record<RemotePinState["status"], string> = {
  asking: "asking…",
  queued: "queued",
  pinning: "pinning…",
  pinned: "pinned",
  failed: "failed",
  refused: "refused the node's key, not pinned",
  unreachable: "no answer from the service, not pinned",
  error: "not pinned",
};

export function RemotePins({ cid }: { cid: string }) {
  const [states, setStates] = useState<RemotePinState[]>([]);
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    const stop = new AbortController();
    ipfsNodeClient()
      .then((client) => followRemotePins(client, cid, (next) => !stop.signal.aborted && setStates(next), { signal: stop.signal }))
      .catch((error) => {
        if (!stop.signal.aborted) setProblem(messageOf(error));
      });
    return () => stop.abort();
  }, [cid]);
  if (problem) return <p className="muted small">Remote pinning: the IPFS node did not say ({problem}).</p>;
  if (states.length === 0) return null;
  return (
    <ul className="remote-pins small" aria-live="polite" data-testid="remote-pins">
      {states.map((s) => (
        <li key={s.service} data-status={s.status}>
          Remote pinning on {s.service}: {LABELS[s.status]}
          {s.message ? ` (${s.message})` : ""}
        </li>
      ))}
    </ul>
  );
}
