/**
 * Why the registry can't be read, said plainly: no contract at the configured address on this
 * chain (eth_getCode is empty), or the chain's RPC does not answer; each with what to do.
 */
import { useEffect, useState } from "react";
import { registryHealth, type RegistryHealth } from "../chain/registry-health.ts";
import { appChain } from "../wagmi.ts";
import { settings } from "../settings/settings.ts";
import { ErrorBox, Problem, TryAgainButton } from "./Problem.tsx";

/** The health of the registry, once asked (undefined while asking). */
export function useRegistryHealth(ask: boolean): RegistryHealth | undefined {
  const [health, setHealth] = useState<RegistryHealth>();
  useEffect(() => {
    if (ask) void registryHealth().then(setHealth);
  }, [ask]);
  return health;
}

export function RegistryProblem({ health, error }: { health: RegistryHealth | undefined; error?: string }) {
  if (health?.status === "no-contract") {
    return (
      <Problem title="No registry at this address" testId="no-registry" actions={<a href="#/settings">Check the registry address in Settings</a>}>
        <p>
          Chain {appChain.id} ({settings.rpcUrl}) has no contract at <code className="wrap">{settings.contractAddress}</code>. The address may be from another
          chain, or a local chain was restarted since the registry was deployed there.
        </p>
      </Problem>
    );
  }
  if (health?.status === "unreachable") {
    return (
      <Problem
        title="The chain does not answer"
        testId="chain-unreachable"
        actions={
          <>
            <TryAgainButton /> <a href="#/settings">Check the chain RPC URL in Settings</a>
          </>
        }
      >
        <p>
          The app reads entries from chain {appChain.id} through <code className="wrap">{settings.rpcUrl}</code>, which did not answer. If it is a local node,
          is it running (<code>npm start</code>)?
        </p>
        <p className="muted small wrap">{health.error}</p>
      </Problem>
    );
  }
  if (error) return <ErrorBox title="Could not read the entries" error={error} testId="registry-error" />;
  return null;
}
