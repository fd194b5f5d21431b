/** core/config.ts: one resolution of the project's local settings, flag > environment > default. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_IPFS_API_ORIGINS, parseByteSize, resolveSettings, SettingsError } from "../../core/config.ts";

describe("resolveSettings", () => {
  it("defaults: .til/ in the project, repo inside it, Kubo's ports on loopback, the frontend origins", () => {
    const settings = resolveSettings({}, {}, "/project");
    assert.equal(settings.home, "/project/.til");
    assert.equal(settings.ipfsRepo, "/project/.til/ipfs");
    assert.deepEqual(settings.ipfsApi, { host: "127.0.0.1", port: 5001 });
    assert.deepEqual(settings.ipfsGateway, { host: "127.0.0.1", port: 8080 });
    assert.deepEqual(settings.ipfsApiAllowedOrigins, [...DEFAULT_IPFS_API_ORIGINS]);
    assert.equal(settings.ipfsUploadLimitBytes, 1024 ** 3);
    assert.deepEqual([settings.chainPort, settings.appPort], [8545, 5173]);
  });
  it("environment variables override defaults, flags override both", () => {
    const env = { TIL_HOME: "/state", TIL_IPFS_API: "0.0.0.0:6001", TIL_IPFS_GATEWAY: "[::1]:9090", TIL_IPFS_API_ORIGINS: "https://app.example, http://localhost:3000", TIL_IPFS_UPLOAD_LIMIT: "64MiB" };
    const fromEnv = resolveSettings({}, env, "/project");
    assert.equal(fromEnv.ipfsRepo, "/state/ipfs");
    assert.deepEqual(fromEnv.ipfsApi, { host: "0.0.0.0", port: 6001 });
    assert.deepEqual(fromEnv.ipfsGateway, { host: "::1", port: 9090 });
    assert.deepEqual(fromEnv.ipfsApiAllowedOrigins, ["https://app.example", "http://localhost:3000"]);
    assert.equal(fromEnv.ipfsUploadLimitBytes, 64 * 1024 * 1024);
    const fromFlags = resolveSettings({ repo: "data/ipfs", api: "127.0.0.1:0" }, { ...env, TIL_IPFS_REPO: "/elsewhere" }, "/project", "/cwd");
    assert.equal(fromFlags.ipfsRepo, "/cwd/data/ipfs");
    assert.deepEqual(fromFlags.ipfsApi, { host: "127.0.0.1", port: 0 });
    const ports = resolveSettings({ appPort: "4000" }, { TIL_CHAIN_PORT: "18545", TIL_APP_PORT: "15173" }, "/project");
    assert.deepEqual([ports.chainPort, ports.appPort], [18545, 4000]);
  });
  it("refuses a wildcard origin and malformed values with a message that says what to write", () => {
    assert.throws(() => resolveSettings({}, { TIL_IPFS_API_ORIGINS: "*" }, "/p"), (err: Error) => err instanceof SettingsError && /admin interface/.test(err.message));
    assert.throws(() => resolveSettings({ api: "localhost" }, {}, "/p"), /not HOST:PORT/);
    assert.throws(() => parseByteSize("lots"), /not a size/);
    assert.throws(() => resolveSettings({ chainPort: "70000" }, {}, "/p"), /--chain-port \/ TIL_CHAIN_PORT: "70000" is not a TCP port/);
    assert.equal(parseByteSize("1GiB"), 1024 ** 3);
  });
});
