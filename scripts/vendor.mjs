// `npm run build`: copy the viewer library, as the lockfile installed it, into the static
// folder the server sends. The copies are committed (pip users need no Node); CI runs
// `npm run check` after `npm ci`, which fails when the committed copies differ from it.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";

const target = "photosearch/web/static/vendor/photoswipe";
const files = {
  "node_modules/photoswipe/dist/photoswipe.esm.min.js": "photoswipe.esm.min.js",
  "node_modules/photoswipe/dist/photoswipe.css": "photoswipe.css",
  "node_modules/photoswipe/LICENSE": "LICENSE",
};

if (process.argv.includes("--check")) {
  const present = existsSync(target) ? readdirSync(target).sort() : [];
  const wanted = Object.values(files).sort();
  const differ = Object.entries(files).filter(([from, to]) =>
    !existsSync(`${target}/${to}`) || !readFileSync(from).equals(readFileSync(`${target}/${to}`)));
  if (differ.length || present.join() !== wanted.join()) {
    console.error(`${target} is not what package-lock.json installs: run npm ci && npm run build`);
    process.exit(1);
  }
} else {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const [from, to] of Object.entries(files)) copyFileSync(from, `${target}/${to}`);
}
