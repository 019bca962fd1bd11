import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

let bundled: Promise<string> | undefined;

/**
 * The child's entry point as one self-contained CommonJS file. Built once per process with esbuild from
 * `child/child-main` (TypeScript under ts-node/jest, JavaScript in a `nest build` output), so the child
 * needs neither ts-node nor this repository's node_modules: it is copied into each run's folder.
 */
export function childBundle(): Promise<string> {
  bundled ??= (async () => {
    const base = join(__dirname, 'child', 'child-main');
    const entry = [`${base}.ts`, `${base}.js`].find((candidate) => existsSync(candidate));
    if (!entry) throw new Error(`The sandbox entry ${base}.(ts|js) is missing`);
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  })().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}
