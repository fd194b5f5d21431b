/** How the CLI reports what went wrong: named errors as the user's problem with what to do, JavaScript's own as a bug. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SettingsError } from "#core/config.ts";
import { CliError, EXIT_CODES } from "../../scripts/cli/errors.ts";
import { isProgrammingError } from "../../scripts/til.ts";

describe("til's error reporting", () => {
  it("takes TypeError, RangeError and the other built-in error types for bugs, whatever their message", () => {
    for (const error of [
      new TypeError("x is not a function"),
      new RangeError("Invalid array length"),
      new ReferenceError("y is not defined"),
      new SyntaxError("Unexpected token"),
      new URIError("URI malformed"),
    ]) {
      assert.equal(isProgrammingError(error), true, error.name);
    }
  });

  it("takes named errors (and plain ones from libraries) for the user's problem, to be reported with their message", () => {
    for (const error of [
      new CliError(EXIT_CODES.notFound, "There is no token 7."),
      new SettingsError("--api: not HOST:PORT"),
      new Error("could not detect network"),
    ]) {
      assert.equal(isProgrammingError(error), false, error.name);
    }
  });
});
