// Runs the benchmarks one after another (each boots its own app): `npm run build && npm run bench`,
// or `npm run bench -- calendar` for one. Figures go to stdout; docs/benchmarks.md keeps them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const wanted = process.argv.slice(2);
const all = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort();
const chosen = wanted.length ? all.filter((f) => wanted.some((w) => f.startsWith(w))) : all;
for (const file of chosen) {
  console.log(`\n## ${file}`);
  const r = spawnSync(process.execPath, [`bench/${file}`], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
