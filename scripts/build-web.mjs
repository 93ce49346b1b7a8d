// Builds the calendar page (web/) into dist/web: one JavaScript and one CSS bundle with
// content hashes in their names (cached for a year), and index.html pointing at them (never
// cached). Everything is served by the API itself, from the same origin: no CDN.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const assets = join(out, 'assets');

await rm(out, { recursive: true, force: true });
await mkdir(assets, { recursive: true });
const result = await build({
  entryPoints: { app: join(root, 'web', 'src', 'main.ts') },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  // Views that need a large library (the Reports view's ECharts) import it lazily: its own chunk.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => /^app-.*\.js$/.test(f));
const css = outputs.find((f) => /^app-.*\.css$/.test(f));
if (!js || !css) throw new Error(`build-web: expected app-*.js and app-*.css, got ${outputs.join(', ')}`);
const html = (await readFile(join(root, 'web', 'index.html'), 'utf8'))
  .replace('%APP_JS%', `/assets/${js}`)
  .replace('%APP_CSS%', `/assets/${css}`);
await writeFile(join(out, 'index.html'), html);
const size = (f) =>
  (result.metafile.outputs[Object.keys(result.metafile.outputs).find((p) => p.endsWith(f))].bytes / 1024).toFixed(0);
const chunks = Object.entries(result.metafile.outputs)
  .filter(([p]) => p.includes('/chunks/') && p.endsWith('.js'))
  .map(([p, o]) => `${basename(p)} ${(o.bytes / 1024).toFixed(0)} KB`);
console.log(
  `web page built into dist/web: ${js} ${size(js)} KB, ${css} ${size(css)} KB; chunks: ${chunks.join(', ') || 'none'}`,
);
