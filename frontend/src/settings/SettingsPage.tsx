/** Runtime settings (saved in this browser); saving reloads the app so every client uses them. */
import { useState } from "react";
import { defaultSettings, resetSettings, saveSettings, servedSettings, settings, splitList, validateSettings, type AppSettings } from "./settings.ts";

interface Form {
  chainId: string;
  rpcUrl: string;
  contractAddress: string;
  deployBlock: string;
  ipfsApiUrl: string;
  ipfsApiAuth: string;
  gateways: string;
  publicGateway: string;
}

const toForm = (s: AppSettings): Form => ({ ...s, chainId: String(s.chainId), deployBlock: String(s.deployBlock), gateways: s.gateways.join("\n") });
const fromForm = (f: Form): AppSettings => ({
  ...f,
  chainId: Number(f.chainId),
  deployBlock: Number(f.deployBlock),
  contractAddress: f.contractAddress.trim() as `0x${string}`,
  rpcUrl: f.rpcUrl.trim(),
  ipfsApiUrl: f.ipfsApiUrl.trim().replace(/\/+$/, ""),
  ipfsApiAuth: f.ipfsApiAuth.trim(),
  gateways: splitList(f.gateways),
  publicGateway: f.publicGateway.trim().replace(/\/+$/, ""),
});

const FIELDS: { key: keyof Form; label: string; hint: string; multiline?: boolean; secret?: boolean }[] = [
  { key: "rpcUrl", label: "Chain RPC URL", hint: "JSON-RPC endpoint used to read the registry." },
  { key: "chainId", label: "Chain id", hint: "31337 for the local Hardhat node." },
  { key: "contractAddress", label: "Registry address", hint: "The TodayILearned contract." },
  { key: "deployBlock", label: "Deploy block", hint: "Event queries start here." },
  { key: "ipfsApiUrl", label: "IPFS RPC API URL", hint: "Kubo RPC API used to pin new entries." },
  { key: "ipfsApiAuth", label: "IPFS API Authorization header", hint: "Optional, e.g. “Bearer …” or “Basic …” for a pinning service.", secret: true },
  {
    key: "gateways",
    label: "Gateways (one per line, tried in order)",
    hint: "Trustless gateways; every block they serve is checked against its CID.",
    multiline: true,
  },
  { key: "publicGateway", label: "Public gateway for links", hint: "Used for “open on a gateway” links." },
];

export function SettingsPage() {
  const [form, setForm] = useState<Form>(() => toForm(settings));
  const problems = validateSettings(fromForm(form));
  const defaults = defaultSettings(import.meta.env, servedSettings);
  return (
    <section aria-labelledby="settings-title" className="settings">
      <h1 id="settings-title">Settings</h1>
      <p className="muted">
        Defaults come from the server of this page (`npm start` hands over its chain, registry and IPFS addresses), else from this build (VITE_TIL_* variables);
        changes are saved in this browser and reload the app.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (Object.keys(problems).length > 0) return;
          saveSettings(fromForm(form), localStorage);
          location.reload();
        }}
      >
        {FIELDS.map((f) => {
          const problem = problems[f.key as keyof AppSettings];
          const id = `setting-${f.key}`;
          return (
            <div key={f.key} className="field">
              <label htmlFor={id}>{f.label}</label>
              {f.multiline ? (
                <textarea
                  id={id}
                  rows={4}
                  value={form[f.key]}
                  onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
                  aria-invalid={Boolean(problem)}
                  aria-describedby={`${id}-hint`}
                  data-testid={id}
                />
              ) : (
                <input
                  id={id}
                  type={f.secret ? "password" : "text"}
                  value={form[f.key]}
                  onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
                  aria-invalid={Boolean(problem)}
                  aria-describedby={`${id}-hint`}
                  data-testid={id}
                  autoComplete="off"
                />
              )}
              <p id={`${id}-hint`} className={problem ? "error small" : "muted small"}>
                {problem ? `Must be ${problem}.` : f.hint}{" "}
                <span className="muted">Build default: {String(toForm(defaults)[f.key] || "—").replace(/\n/g, ", ")}</span>
              </p>
            </div>
          );
        })}
        <div className="row">
          <button type="submit" className="primary" disabled={Object.keys(problems).length > 0} data-testid="save-settings">
            Save and reload
          </button>
          <button
            type="button"
            onClick={() => {
              resetSettings(localStorage);
              location.reload();
            }}
          >
            Reset to build defaults
          </button>
        </div>
      </form>
    </section>
  );
}
