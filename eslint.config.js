// ESLint (flat config), part of `npm run check`. Formatting is Prettier's (.prettierrc.json),
// the import graph between src/ folders is dependency-cruiser's (.dependency-cruiser.cjs):
// this file holds the rules about code.
const js = require('@eslint/js');
const { defineConfig } = require('eslint/config');
const tseslint = require('typescript-eslint');

/** What the plain JavaScript files (scripts, benchmarks, jest's setup) use of Node's globals. */
const NODE_GLOBALS = (
  'console process Buffer URL URLSearchParams fetch setTimeout clearTimeout setInterval clearInterval ' +
  'setImmediate structuredClone AbortController AbortSignal performance globalThis'
).split(' ');

/** Async mistakes a type checker sees and a test may not: the reason ESLint is here. */
const typeChecked = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  // Promise.all over cache hits mixed with pending loads is deliberate (calendar.service.ts).
  '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
  // A switch over a union lists every member or ends in a default that decides for the rest.
  '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
};

module.exports = defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'docs/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      ...typeChecked,
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'migrations/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: __dirname } },
  },
  {
    files: ['web/src/**/*.ts'],
    languageOptions: { parserOptions: { project: './web/tsconfig.spec.json', tsconfigRootDir: __dirname } },
  },
  {
    // The rule engine: pure functions over a timeline. No Nest, no TypeORM, no I/O, no clock:
    // it may import its own files and luxon (and, in its tests, the test libraries).
    files: ['src/rules/**/*.ts'],
    ignores: ['src/rules/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./|luxon$)',
              message:
                'src/rules is the pure rule engine: it imports only its own files and luxon (no Nest, TypeORM, pg or node: I/O).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'fetch', 'require', 'setTimeout', 'setInterval', 'console'].map((name) => ({
          name,
          message:
            'src/rules is the pure rule engine: no I/O, timers or environment; take what you need as an argument.',
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.object.name='Date'][callee.property.name='now'], NewExpression[callee.name='Date'][arguments.length=0]",
          message: '"Now" comes from the caller (the injected Clock), never from the rule engine.',
        },
      ],
    },
  },
  {
    // iCal text must not carry control characters: these patterns match them on purpose.
    files: ['src/feeds/ical-feed.renderer.ts', 'src/feeds/ical-feed.renderer.spec.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Plain JavaScript: scripts, benchmarks, jest's config and setup.
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((name) => [name, 'readonly'])) },
  },
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', exports: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
