// README.md's "From the browser" quickstart is the type-checked region of examples/quickstart.ts (like the C#
// quickstart and samples/ChatConsole/Quickstart.cs): this test fails when the two differ.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "./server.js";

const dedent = (code: string): string => {
  const lines = code.replace(/\r\n/g, "\n").replace(/^\n+|\n+$/g, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent).trimEnd()).join("\n");
};

test("README quickstart matches the compiled example", () => {
  const example = readFileSync(join(repoRoot, "src/client-ts/examples/quickstart.ts"), "utf8");
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const region = /\/\/ #region Quickstart\n(?<code>.*?)\n\s*\/\/ #endregion/s.exec(example);
  assert.ok(region, "examples/quickstart.ts has no '// #region Quickstart'");
  const block = /<!-- snippet: src\/client-ts\/examples\/quickstart\.ts#Quickstart[^>]*-->\s*```ts\n(?<code>.*?)\n```/s.exec(readme);
  assert.ok(block, "README.md has no TypeScript quickstart snippet block");
  assert.equal(dedent(block.groups!.code!), dedent(region.groups!.code!));
});
