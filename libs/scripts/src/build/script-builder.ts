import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode } from '@omega/core';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve } from 'node:path';
import { bundleScript, isInside } from './bundle-script';
import { validDependencies } from './dependencies';
import { NpmInstaller } from './npm-install';
import { unpackPackage } from './package-archive';

/** What one upload may be (a single file, or a tarball of a package folder). */
export const MAX_SCRIPT_UPLOAD_BYTES = 10 * 1024 * 1024;

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const TARBALL = /\.(tgz|tar\.gz|tar)$/i;

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
 * npm dependencies are bundled in by esbuild, so a run needs no network install and no node_modules.
 * Nothing of the upload configures the build: only `main` and `dependencies` (registry semver ranges) of
 * its package.json are read; its .npmrc, lock files and other config files are never seen by npm, which
 * installs in a folder of its own (see NpmInstaller). The build may only read files of the upload and its
 * installed dependencies.
 */
@Injectable()
export class ScriptBuilder {
  private readonly installer: NpmInstaller;

  constructor(@Inject(OMEGA_CONFIG) config: OmegaConfig) {
    this.installer = new NpmInstaller({ registry: config.npmRegistry, user: config.scriptUser });
  }

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
      if (Object.keys(dependencies).length > 0) await this.installer.install(dependencies, root);
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
    return work;
  }

  /** Unpacks a tarball (files and folders only); `npm pack`'s `package/` folder is its root. */
  private async unpack(work: string, content: Buffer): Promise<string> {
    const target = join(work, 'src');
    await mkdir(target);
    await unpackPackage(content, target);
    const top = await readdir(target, { withFileTypes: true });
    if (!existsSync(join(target, 'package.json')) && top.length === 1 && top[0].isDirectory()) {
      return join(target, top[0].name);
    }
    return target;
  }
}

/** What the build takes of an upload's package.json (the bundler reads its module fields, inside the package). */
interface Manifest {
  main?: string;
  dependencies: Record<string, string>;
}

async function readManifest(root: string): Promise<Manifest> {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return { dependencies: {} };
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
    main: typeof raw.main === 'string' ? raw.main : undefined,
    dependencies: dependencies as Record<string, string>,
  };
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
