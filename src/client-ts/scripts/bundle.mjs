// Bundles the demo pages (pages/*.ts + the client) with esbuild into the reference server's web root.
//   node scripts/bundle.mjs           write src/ReferenceServer/wwwroot/js/*.js
//   node scripts/bundle.mjs --check   exit 1 when the committed bundles differ from a fresh build (CI drift check)
// The bundles are committed so that `dotnet run --project src/ReferenceServer` serves working pages on a machine
// with only the .NET SDK (no Node.js needed to run the server).
import { build } from "esbuild";
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
export const outDir = join(root, "../ReferenceServer/wwwroot/js");
export const pages = ["chat", "visitor", "agent"];

export async function bundle(name) {
  const result = await build({
    entryPoints: [join(root, "pages", `${name}.ts`)],
    bundle: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    minify: false,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
    banner: { js: `// Built from src/client-ts/pages/${name}.ts by \`npm run bundle\` (esbuild). Do not edit.` },
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  let stale = 0;
  mkdirSync(outDir, { recursive: true });
  for (const name of pages) {
    const text = await bundle(name);
    const file = join(outDir, `${name}.js`);
    const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
    if (current === text) continue;
    if (check) {
      stale++;
      console.error(`${file} is out of date with src/client-ts (run: cd src/client-ts && npm run bundle)`);
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${file}`);
    }
  }
  process.exit(stale === 0 ? 0 : 1);
}
