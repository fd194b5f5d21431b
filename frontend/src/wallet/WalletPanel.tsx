/**
 * Connect / disconnect, the account and chain in use, and the wrong-chain warning with a switch
 * (or add) button. Wallets come from EIP-6963 announcements and `window.ethereum`; on the local
 * chain the Hardhat node's dev accounts are offered, labelled as such.
 */
import { type KeyboardEvent, useRef, useState } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import type { Connector } from "wagmi";
import { appChain } from "../wagmi.ts";
import { settings } from "../settings/settings.ts";
import { isUserRejection, messageOf } from "../errors.ts";
import { shortAddress } from "./short-address.ts";
import { Identicon } from "../ui/Identicon.tsx";

export function WalletPanel() {
  const connection = useConnection();
  const connectors = useConnectors();
  const { connect, isPending, error, variables } = useConnect();
  const { disconnect } = useDisconnect();
  const [open, setOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  if (connection.isConnected && connection.address) {
    return (
      <div className="wallet" data-testid="wallet">
        <Identicon address={connection.address} size={22} />
        <span className="account mono" title={connection.address} data-testid="account">
          {shortAddress(connection.address)}
        </span>
        <span className="muted small wallet-chain" data-testid="wallet-chain">
          {connection.connector?.name} · chain {connection.chainId}
        </span>
        <button type="button" className="quiet" onClick={() => disconnect()}>
          Disconnect
        </button>
      </div>
    );
  }

  // EIP-6963 wallets announce themselves (one connector each); the generic "injected" connector
  // (window.ethereum) is only offered when a legacy wallet is there and none announced itself.
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  const legacyInjected = announced.length === 0 && typeof window !== "undefined" && "ethereum" in window;
  const wallets = connectors.filter((c) => c.type !== "til-dev" && (c.id !== "injected" || legacyInjected));
  const devAccounts = connectors.filter((c) => c.type === "til-dev");
  const pick = (connector: Connector) => {
    connect({ connector, chainId: appChain.id });
    setOpen(false);
  };

  // Escape, on the button or in the menu, closes the menu and leaves the focus on the button.
  const closeOnEscape = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !open) return;
    setOpen(false);
    menuButton.current?.focus();
  };

  return (
    <div className="wallet">
      <button
        ref={menuButton}
        type="button"
        className="connect"
        aria-expanded={open}
        onKeyDown={closeOnEscape}
        aria-controls="wallet-menu"
        onClick={() => setOpen(!open)}
        disabled={isPending}
      >
        {isPending ? `Connecting ${variables?.connector && "name" in variables.connector ? variables.connector.name : ""}…` : "Connect wallet"}
      </button>
      {open && (
        <div id="wallet-menu" className="wallet-menu" role="menu" onKeyDown={closeOnEscape}>
          {wallets.length === 0 && (
            <p className="muted">
              No browser wallet found. Install one (MetaMask, Rabby, …){devAccounts.length > 0 ? " or use a local dev account below" : ""}.
            </p>
          )}
          {wallets.map((c) => (
            <button type="button" role="menuitem" key={c.uid} onClick={() => pick(c)}>
              {c.icon && <img src={c.icon} alt="" width={18} height={18} />}
              {c.id === "injected" ? "Browser wallet" : c.name}
            </button>
          ))}
          {devAccounts.length > 0 && (
            <>
              <p className="muted small">Local chain {settings.chainId}: the Hardhat node's public test accounts (never use them elsewhere).</p>
              {devAccounts.map((c) => (
                <button type="button" role="menuitem" key={c.uid} onClick={() => pick(c)} data-testid={c.id}>
                  {c.name}
                </button>
              ))}
            </>
          )}
        </div>
      )}
      {error && (
        <p role="alert" className="error small">
          {isUserRejection(error) ? "Connection request rejected in the wallet." : messageOf(error)}
        </p>
      )}
    </div>
  );
}

/** Shown while the wallet is on another chain than the registry's. */
export function WrongChainBanner() {
  const connection = useConnection();
  const { switchChain, isPending, error } = useSwitchChain();
  if (!connection.isConnected || connection.chainId === appChain.id) return null;
  return (
    <div className="banner warning" role="alert" data-testid="wrong-chain">
      <p>
        Your wallet is on chain {connection.chainId}; the entries live on <strong>{appChain.name}</strong> (chain id {appChain.id}, RPC {settings.rpcUrl}).
      </p>
      <button type="button" onClick={() => switchChain({ chainId: appChain.id })} disabled={isPending}>
        {isPending ? "Switching…" : `Switch to ${appChain.name}`}
      </button>
      {error && (
        <p className="error small">
          {isUserRejection(error)
            ? "Switch rejected in the wallet."
            : `${messageOf(error)} Add the network by hand: RPC ${settings.rpcUrl}, chain id ${appChain.id}.`}
        </p>
      )}
    </div>
  );
}
