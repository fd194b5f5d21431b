/** core/config.ts: one resolution of the project's local settings, flag > environment > running stack > default. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appOrigins, parseByteSize, resolveSettings, SettingsError } from "#core/config.ts";

describe("resolveSettings", () => {
  it("defaults: the home under the user's data folder (never inside the project), repo inside it, Kubo's ports on loopback, the app's origins", () => {
    const settings = resolveSettings({}, { HOME: "/home/ada" }, "/project");
    assert.equal(settings.home, "/home/ada/.local/share/til");
    assert.equal(settings.ipfsRepo, "/home/ada/.local/share/til/ipfs");
    assert.equal(resolveSettings({}, { HOME: "/home/ada", XDG_DATA_HOME: "/data" }, "/project").home, "/data/til");
    assert.throws(
      () => resolveSettings({}, {}, "/project"),
      (err: Error) => err instanceof SettingsError && /set TIL_HOME/.test(err.message),
    );
    assert.deepEqual(settings.ipfsApi, { host: "127.0.0.1", port: 5001 });
    assert.deepEqual(settings.ipfsGateway, { host: "127.0.0.1", port: 8080 });
    assert.deepEqual(settings.ipfsApiAllowedOrigins, ["http://127.0.0.1:5173", "http://localhost:5173"], "exactly the app's own origins");
    assert.deepEqual(resolveSettings({ appPort: "4000" }, { HOME: "/h" }, "/p").ipfsApiAllowedOrigins, ["http://127.0.0.1:4000", "http://localhost:4000"]);
    assert.equal(settings.ipfsUploadLimitBytes, 1024 ** 3);
    assert.deepEqual([settings.chainPort, settings.appPort], [8545, 5173]);
  });
  it("environment variables override defaults, flags override both", () => {
    const env = {
      TIL_HOME: "/state",
      TIL_IPFS_API: "0.0.0.0:6001",
      TIL_IPFS_GATEWAY: "[::1]:9090",
      TIL_IPFS_API_ORIGINS: "https://app.example, http://localhost:3000",
      TIL_IPFS_UPLOAD_LIMIT: "64MiB",
    };
    const fromEnv = resolveSettings({}, env, "/project");
    assert.equal(fromEnv.home, "/state");
    assert.equal(fromEnv.ipfsRepo, "/state/ipfs");
    assert.deepEqual(fromEnv.ipfsApi, { host: "0.0.0.0", port: 6001 });
    assert.deepEqual(fromEnv.ipfsGateway, { host: "::1", port: 9090 });
    assert.deepEqual(fromEnv.ipfsApiAllowedOrigins, ["https://app.example", "http://localhost:3000"]);
    assert.equal(fromEnv.ipfsUploadLimitBytes, 64 * 1024 * 1024);
    const fromFlags = resolveSettings({ repo: "data/ipfs", api: "127.0.0.1:0" }, { ...env, TIL_IPFS_REPO: "/elsewhere" }, "/cwd");
    assert.equal(fromFlags.ipfsRepo, "/cwd/data/ipfs");
    assert.deepEqual(fromFlags.ipfsApi, { host: "127.0.0.1", port: 0 });
    const ports = resolveSettings({ appPort: "4000" }, { HOME: "/h", TIL_CHAIN_PORT: "18545", TIL_APP_PORT: "15173" }, "/project");
    assert.deepEqual([ports.chainPort, ports.appPort], [18545, 4000]);
  });
  it("refuses a wildcard origin and malformed values with a message that says what to write", () => {
    assert.throws(
      () => resolveSettings({}, { HOME: "/h", TIL_IPFS_API_ORIGINS: "*" }, "/p"),
      (err: Error) => err instanceof SettingsError && /admin interface/.test(err.message),
    );
    assert.throws(() => resolveSettings({ api: "localhost" }, { HOME: "/h" }, "/p"), /not HOST:PORT/);
    assert.throws(() => parseByteSize("lots"), /not a size/);
    assert.throws(() => resolveSettings({ chainPort: "70000" }, { HOME: "/h" }, "/p"), /--chain-port \/ TIL_CHAIN_PORT: "70000" is not a TCP port/);
    assert.equal(parseByteSize("1GiB"), 1024 ** 3);
  });
  it("a running stack's IPFS addresses come after flags and environment, before the defaults", () => {
    const running = { ipfsApi: "127.0.0.1:15001", ipfsGateway: "127.0.0.1:18080" };
    const found = resolveSettings({}, { HOME: "/h" }, "/cwd", running);
    assert.deepEqual([found.ipfsApi.port, found.ipfsGateway.port], [15001, 18080]);
    const overridden = resolveSettings({ api: "127.0.0.1:7001" }, { HOME: "/h", TIL_IPFS_GATEWAY: "127.0.0.1:7080" }, "/cwd", running);
    assert.deepEqual([overridden.ipfsApi.port, overridden.ipfsGateway.port], [7001, 7080]);
    assert.deepEqual(appOrigins(4321), ["http://127.0.0.1:4321", "http://localhost:4321"]);
  });
});
