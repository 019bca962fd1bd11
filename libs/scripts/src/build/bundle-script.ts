import { OmegaError, OmegaErrorCode } from '@omega/core';
import { build, Message, Plugin } from 'esbuild';
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';

/** The bundled script (its code plus its dependencies) that is stored and run. */
export const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;

const CONFINED = 'confined';

/**
 * Bundles `entry` and everything it imports into one CommonJS file. Every import is resolved here first
 * and must end inside the package folder (its files and its installed node_modules): a missing file and a
 * file outside the package give the same answer, which names only the importing file and line, so a build
 * error never tells whether a path exists on the server.
 */
export async function bundleScript(root: string, entry: string): Promise<Buffer> {
  const realRoot = await realpath(root);
  // The same words whether the target is missing or exists outside, and never the target itself.
  const outside = "imports must be files of the script's package or of its installed dependencies";
  const confine: Plugin = {
    name: 'confine-to-package',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === CONFINED) return undefined;
        const result = await builder.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          namespace: args.namespace,
          pluginData: CONFINED,
        });
        if (result.external && !isAbsolute(result.path)) return result;
        const real =
          result.errors.length > 0 ? undefined : await realpath(result.path).catch(() => undefined);
        if (real === undefined || !isInside(realRoot, real)) {
          return { errors: [{ text: outside }] };
        }
        return result;
      });
      // A second line: nothing outside the package is ever read, whatever resolved it.
      builder.onLoad({ filter: /.*/ }, (args) =>
        args.namespace === 'file' && !isInside(realRoot, args.path)
          ? { errors: [{ text: outside }] }
          : undefined,
      );
    },
  };
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: realRoot,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      // Given, esbuild reads no tsconfig.json: an upload's `extends` could otherwise make it read (and
      // quote in its error) any file of the server.
      tsconfigRaw: {},
      plugins: [confine],
    });
    const bundle = Buffer.from(result.outputFiles[0].contents);
    if (bundle.length > MAX_BUNDLE_BYTES) {
      throw new OmegaError(
        OmegaErrorCode.PayloadTooLarge,
        `The script with its dependencies bundles to ${bundle.length} bytes, more than ${MAX_BUNDLE_BYTES}`,
      );
    }
    return bundle;
  } catch (error) {
    if (error instanceof OmegaError) throw error;
    const errors = (error as { errors?: Message[] }).errors;
    const detail = errors?.length
      ? errors
          .slice(0, 5)
          .map((message) => describe(realRoot, message))
          .join('; ')
      : 'the bundler failed';
    throw OmegaError.invalidInput(`The script does not build: ${detail.slice(0, 1000)}`);
  }
}

/** `file:line: text`, with the file relative to the package and no server path in the text. */
function describe(realRoot: string, message: Message): string {
  const file = message.location?.file;
  const where =
    file && !isAbsolute(file) && !file.startsWith('..')
      ? `${file}:${message.location?.line}: `
      : file
        ? 'a file outside the package: '
        : '';
  return `${where}${message.text.split(realRoot).join('.')}`;
}

export function isInside(root: string, path: string): boolean {
  const relation = relative(root, path);
  return relation === '' || (!relation.startsWith('..') && !isAbsolute(relation));
}
