// Server configuration: defaults, and failing closed with the variable named.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError, serverConfig } from "../src/config.js";

describe("server configuration", () => {
  it("has defaults", () => {
    assert.deepEqual(serverConfig({}), { host: "0.0.0.0", port: 8080, logLevel: "info" });
  });

  it("reads PORT, HOST and LOG_LEVEL", () => {
    assert.deepEqual(serverConfig({ PORT: "9000", HOST: "127.0.0.1", LOG_LEVEL: "warn" }), {
      host: "127.0.0.1",
      port: 9000,
      logLevel: "warn",
    });
  });

  it("refuses a malformed PORT or LOG_LEVEL, naming the variable", () => {
    for (const port of ["0", "65536", "80a", "-1", "1e3"]) {
      assert.throws(() => serverConfig({ PORT: port }), (error: unknown) => error instanceof ConfigError && error.variable === "PORT");
    }
    assert.throws(
      () => serverConfig({ LOG_LEVEL: "loud" }),
      (error: unknown) => error instanceof ConfigError && error.variable === "LOG_LEVEL",
    );
  });
});
