import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * The render worker runs in a worker thread without Nest (feed-render.pool.ts loads its .ts
 * sources through a plain require hook in tests): what it loads must stay free of Nest and
 * TypeORM, including the files it shares with the posts module (posts.queries.ts: the
 * posts in scope, their fingerprint and the timeline; plan-insights.ts). Follows the
 * requires of each file as that hook transpiles it, so type-only imports (erased) do not
 * count.
 */
const FORBIDDEN = [/^@nestjs\//, /^typeorm$/, /^reflect-metadata$/, /^class-validator$/, /^class-transformer$/];

function runtimeGraph(entry: string): { files: string[]; packages: Map<string, string[]> } {
  const root = resolve(__dirname, '../..');
  const files = new Set<string>();
  const packages = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    for (const [, spec] of js.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec);
        const next = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
        if (!next) throw new Error(`${relative(root, file)}: cannot resolve ${spec}`);
        visit(next);
      } else {
        const by = packages.get(spec) ?? [];
        by.push(relative(root, file));
        packages.set(spec, by);
      }
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(root, f)), packages };
}

describe('feed render worker imports', () => {
  const graph = runtimeGraph(join(__dirname, 'feed-render.worker.ts'));

  it('loads neither Nest nor TypeORM, directly or through what it shares with the posts module', () => {
    const forbidden = [...graph.packages].filter(([name]) => FORBIDDEN.some((re) => re.test(name)));
    expect(forbidden).toEqual([]);
  });

  it("uses the posts module's own timeline query and plan judgement", () => {
    expect(graph.files).toEqual(expect.arrayContaining(['src/posts/posts.queries.ts', 'src/posts/plan-insights.ts']));
    expect(graph.files.filter((f) => /\.(service|repository|module|entity|controller)\.ts$/.test(f))).toEqual([]);
  });

  it("states no SQL on posts of its own: every statement on posts it runs is the posts module's", () => {
    const root = resolve(__dirname, '../..');
    const own = graph.files.filter((f) => !f.startsWith('src/posts/'));
    const withPostsSql = own.filter((f) =>
      /\b(FROM|JOIN|UPDATE|INTO)\s+posts\b/.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(withPostsSql).toEqual([]);
    expect(own).toContain('src/feeds/feed-render.job.ts');
  });
});
