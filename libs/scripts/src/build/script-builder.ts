import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { build, Plugin } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one upload may be (a single file, or a tarball of a package folder). */
export const MAX_SCRIPT_UPLOAD_BYTES = 10 * 1024 * 1024;
/** A packed folder may unpack to at most this much, in at most this many entries. */
const MAX_UNPACKED_BYTES = 50 * 1024 * 1024;
const MAX_UNPACKED_ENTRIES = 2000;
/** The bundled script (its code plus its dependencies) that is stored and run. */
export const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;
const MAX_DEPENDENCIES = 30;
const NPM_TIMEOUT_MS = 120_000;

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const TARBALL = /\.(tgz|tar\.gz|tar)$/i;
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]{0,213}$/;
/** Registry versions and ranges only: no `file:`, `git+`, URLs or paths that would reach past the registry. */
const VERSION_RANGE = /^[0-9A-Za-z.^~<>=|* +-]{1,64}$/;

export interface ScriptUpload {
  filename: string;
  content: Buffer;
  /** Extra npm dependencies (name → version range), merged over a package.json's own. */
  dependencies?: Record<string, string>;
}

export interface BuiltScript {
  bundle: Buffer;
  language: 'typescript' | 'javascript';
  entry: string;
  /** Dependencies as installed: name → version. */
  dependencies: Record<string, string>;
}

/**
 * Turns an upload into the one CommonJS file a run executes: TypeScript is transpiled and the script's
 * npm dependencies (installed from the registry with `--ignore-scripts`) are bundled in by esbuild, so a
 * run needs no network install and no node_modules. The build may only read files of the upload and its
 * installed dependencies: an import of anything else (the platform's own files) fails the put.
 */
@Injectable()
export class ScriptBuilder {
  async build(upload: ScriptUpload): Promise<BuiltScript> {
    if (upload.content.length > MAX_SCRIPT_UPLOAD_BYTES) {
      throw new OmegaError(
        OmegaErrorCode.PayloadTooLarge,
        `A script upload is at most ${MAX_SCRIPT_UPLOAD_BYTES} bytes`,
      );
    }
    const work = await mkdtemp(join(tmpdir(), 'omega-script-build-'));
    try {
      const root = TARBALL.test(upload.filename)
        ? await this.unpack(work, upload.content)
        : await this.singleFile(work, upload);
      const manifest = await readManifest(root);
      const dependencies = validDependencies({ ...manifest.dependencies, ...upload.dependencies });
      if (Object.keys(dependencies).length > 0) await this.install(root, manifest, dependencies);
      const entry = await findEntry(root, manifest.main);
      const bundle = await bundleScript(root, entry);
      return {
        bundle,
        language: /\.[mc]?ts$/.test(entry) ? 'typescript' : 'javascript',
        entry: relative(root, entry),
        dependencies: await installedVersions(root, Object.keys(dependencies)),
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async singleFile(work: string, upload: ScriptUpload): Promise<string> {
    const extension = extname(upload.filename).toLowerCase();
    if (!SOURCE_EXTENSIONS.includes(extension)) {
      throw OmegaError.invalidInput(
        `A script is a ${SOURCE_EXTENSIONS.join(' ')} file, or a .tgz / .tar of a folder with package.json`,
      );
    }
    await writeFile(join(work, `index${extension}`), upload.content);
    await writeFile(
      join(work, 'package.json'),
      JSON.stringify({ name: 'script', private: true, main: `index${extension}` }),
    );
    return work;
  }

  /** Unpacks a tarball after checking its listing (size, entry count); `npm pack`'s `package/` folder is its root. */
  private async unpack(work: string, content: Buffer): Promise<string> {
    const archive = join(work, 'upload.tar');
    const target = join(work, 'src');
    await mkdir(target);
    await writeFile(archive, content);
    const gzip = content[0] === 0x1f && content[1] === 0x8b ? ['-z'] : [];
    let listing: string;
    try {
      ({ stdout: listing } = await run('tar', [...gzip, '-tvf', archive], { maxBuffer: 8 * 1024 * 1024 }));
    } catch {
      throw OmegaError.invalidInput('The upload is not a readable tar archive');
    }
    const lines = listing.split('\n').filter(Boolean);
    const unpacked = lines.reduce((sum, line) => sum + (Number(line.trim().split(/\s+/)[2]) || 0), 0);
    if (lines.length > MAX_UNPACKED_ENTRIES || unpacked > MAX_UNPACKED_BYTES) {
      throw new OmegaError(
        OmegaErrorCode.PayloadTooLarge,
        `A script package unpacks to at most ${MAX_UNPACKED_ENTRIES} entries and ${MAX_UNPACKED_BYTES} bytes`,
      );
    }
    await run('tar', [...gzip, '-xf', archive, '-C', target, '--no-same-owner', '--no-same-permissions']);
    const top = await readdir(target, { withFileTypes: true });
    if (!existsSync(join(target, 'package.json')) && top.length === 1 && top[0].isDirectory()) {
      return join(target, top[0].name);
    }
    return target;
  }

  private async install(
    root: string,
    manifest: Manifest,
    dependencies: Record<string, string>,
  ): Promise<void> {
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify({ ...manifest.raw, name: 'script', private: true, dependencies, devDependencies: {} }),
    );
    const home = join(root, '..', '.npm-home');
    await mkdir(home, { recursive: true });
    try {
      await run(
        'npm',
        [
          'install',
          '--omit=dev',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--no-package-lock',
          '--loglevel=error',
        ],
        {
          cwd: root,
          timeout: NPM_TIMEOUT_MS,
          maxBuffer: 4 * 1024 * 1024,
          // npm sees none of the platform's variables; its cache is shared between builds.
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            npm_config_cache: join(tmpdir(), 'omega-script-npm-cache'),
            npm_config_update_notifier: 'false',
          },
        },
      );
    } catch (error) {
      const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message)
        .split('\n')
        .filter((line) => /ERR|error/i.test(line))
        .slice(0, 5)
        .join(' ')
        .slice(0, 500);
      throw OmegaError.invalidInput(
        `Installing the script's dependencies failed: ${detail || 'npm install failed'}`,
      );
    }
  }
}

interface Manifest {
  raw: Record<string, unknown>;
  main?: string;
  dependencies: Record<string, string>;
}

async function readManifest(root: string): Promise<Manifest> {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return { raw: {}, dependencies: {} };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw OmegaError.invalidInput('package.json is not valid JSON');
  }
  const dependencies = raw.dependencies ?? {};
  if (typeof dependencies !== 'object' || dependencies === null || Array.isArray(dependencies)) {
    throw OmegaError.invalidInput('package.json dependencies must be an object');
  }
  return {
    raw,
    main: typeof raw.main === 'string' ? raw.main : undefined,
    dependencies: dependencies as Record<string, string>,
  };
}

export function validDependencies(dependencies: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(dependencies);
  if (entries.length > MAX_DEPENDENCIES)
    throw OmegaError.invalidInput(`At most ${MAX_DEPENDENCIES} dependencies`);
  for (const [name, version] of entries) {
    if (!PACKAGE_NAME.test(name))
      throw OmegaError.invalidInput(`${JSON.stringify(name)} is not an npm package name`);
    if (typeof version !== 'string' || !VERSION_RANGE.test(version)) {
      throw OmegaError.invalidInput(
        `Dependency ${name}: give a registry version or range (e.g. ^2.1.3), not a path, URL or git reference`,
      );
    }
  }
  return dependencies as Record<string, string>;
}

async function findEntry(root: string, main: string | undefined): Promise<string> {
  const candidates = main
    ? [main, ...SOURCE_EXTENSIONS.map((extension) => `${main}${extension}`)]
    : SOURCE_EXTENSIONS.map((extension) => `index${extension}`);
  for (const candidate of candidates) {
    const path = resolve(root, candidate);
    if (isInside(root, path) && existsSync(path)) return path;
  }
  throw OmegaError.invalidInput(
    main
      ? `package.json main ${JSON.stringify(main)} does not exist in the package`
      : 'The package has no index.ts or index.js',
  );
}

async function bundleScript(root: string, entry: string): Promise<Buffer> {
  const realRoot = await realpath(root);
  const confine: Plugin = {
    name: 'confine-to-package',
    setup(builder) {
      builder.onLoad({ filter: /.*/ }, (args) => {
        if (args.namespace === 'file' && !isInside(realRoot, args.path)) {
          return { errors: [{ text: `imports ${args.path}, which is outside the script's package` }] };
        }
        return undefined;
      });
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
    const errors = (
      error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }
    ).errors;
    const detail = errors?.length
      ? errors
          .slice(0, 5)
          .map(
            (entry) =>
              `${entry.location ? `${entry.location.file}:${entry.location.line}: ` : ''}${entry.text}`,
          )
          .join('; ')
      : (error as Error).message;
    throw OmegaError.invalidInput(`The script does not build: ${detail.slice(0, 1000)}`);
  }
}

async function installedVersions(root: string, names: string[]): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const name of names) {
    try {
      const manifest = JSON.parse(
        await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8'),
      ) as {
        version?: string;
      };
      versions[name] = manifest.version ?? 'unknown';
    } catch {
      versions[name] = 'unknown';
    }
  }
  return versions;
}

function isInside(root: string, path: string): boolean {
  const relation = relative(root, path);
  return (
    relation === '' ||
    (!relation.startsWith('..') && !relation.startsWith(sep) && !relation.includes(`..${sep}`))
  );
}
