// `npm run build`: copy the viewer library, as the lockfile installed it, into the static
// folder the server sends. The copies are committed (pip users need no Node); CI runs this
// after `npm ci` and fails when the committed copies differ.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

const target = "photosearch/web/static/vendor/photoswipe";
const files = {
  "node_modules/photoswipe/dist/photoswipe.esm.min.js": "photoswipe.esm.min.js",
  "node_modules/photoswipe/dist/photoswipe.css": "photoswipe.css",
  "node_modules/photoswipe/LICENSE": "LICENSE",
};

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const [from, to] of Object.entries(files)) copyFileSync(from, `${target}/${to}`);
