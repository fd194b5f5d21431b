import { describe, expect, it } from "vitest";
import { parseServedSettings, servedSettingsElement, withServedSettings } from "#core/app-settings.ts";
import { loadSettings, saveSettings, settingsFromEnv, SETTINGS_STORAGE_KEY, splitList, validateSettings } from "../../frontend/src/settings/settings.ts";

const memoryStorage = () => {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
};

describe("settings", () => {
  it("reads VITE_TIL_* variables with local defaults", () => {
    const s = settingsFromEnv({ VITE_TIL_CHAIN_ID: "8453", VITE_TIL_GATEWAYS: "http://a/, https://b", VITE_TIL_DEPLOY_BLOCK: "12" });
    expect(s.chainId).toBe(8453);
    expect(s.gateways).toEqual(["http://a", "https://b"]);
    expect(s.deployBlock).toBe(12);
    expect(s.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(validateSettings(s)).toEqual({});
  });

  it("saved settings override the build's, and broken fields fall back", () => {
    const storage = memoryStorage();
    const env = { VITE_TIL_RPC_URL: "http://127.0.0.1:9999" };
    saveSettings({ ...settingsFromEnv(env), gateways: ["http://x:1"], contractAddress: "nope" as `0x${string}` }, storage);
    const s = loadSettings(env, storage);
    expect(s.gateways).toEqual(["http://x:1"]);
    expect(s.rpcUrl).toBe("http://127.0.0.1:9999");
    expect(s.contractAddress).toBe(settingsFromEnv(env).contractAddress);
  });

  it("survives unreadable saved JSON", () => {
    const storage = memoryStorage();
    storage.setItem(SETTINGS_STORAGE_KEY, "{oops");
    expect(loadSettings({}, storage)).toEqual(settingsFromEnv({}));
  });

  it("names each invalid field", () => {
    const problems = validateSettings({ ...settingsFromEnv({}), chainId: 0, rpcUrl: "ftp://x", gateways: [] });
    expect(Object.keys(problems).sort()).toEqual(["chainId", "gateways", "rpcUrl"]);
    expect(splitList(" a , b\nc ")).toEqual(["a", "b", "c"]);
  });

  it("settings served with the page override the build's; saved ones still win; invalid served fields are ignored", () => {
    const storage = memoryStorage();
    const served = { rpcUrl: "http://127.0.0.1:18545", gateways: ["http://127.0.0.1:18080"], chainId: -1 };
    const s = loadSettings({ VITE_TIL_RPC_URL: "http://127.0.0.1:9999" }, storage, served);
    expect(s.rpcUrl).toBe("http://127.0.0.1:18545");
    expect(s.gateways).toEqual(["http://127.0.0.1:18080"]);
    expect(s.chainId).toBe(31337);
    saveSettings({ ...s, rpcUrl: "http://127.0.0.1:7777" }, storage);
    expect(loadSettings({}, storage, served).rpcUrl).toBe("http://127.0.0.1:7777");
  });

  it("the served settings element is read back exactly from a page, and content can't close it early", () => {
    const hostile = { rpcUrl: "http://x/</script><script>alert(1)</script>", gateways: ["http://a"], extra: "dropped" };
    const element = servedSettingsElement(hostile);
    expect(element).not.toMatch(/<\/script>.*<\/script>/s);
    expect(element.match(/<\/script>/g)).toHaveLength(1);
    document.head.innerHTML = "";
    document.documentElement.innerHTML = withServedSettings("<html><head><title>t</title></head><body></body></html>", hostile).replace(
      /^<html>|<\/html>$/g,
      "",
    );
    const text = document.getElementById("til-served-settings")?.textContent;
    expect(parseServedSettings(text)).toEqual({ rpcUrl: hostile.rpcUrl, gateways: ["http://a"] });
    expect(document.querySelectorAll("script")).toHaveLength(1);
    expect(parseServedSettings("not json")).toEqual({});
    expect(parseServedSettings('{"chainId":"1","gateways":[1]}')).toEqual({});
  });
});
