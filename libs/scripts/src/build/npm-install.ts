import { OmegaError, OmegaErrorCode } from '@omega/core';
import { execFile } from 'node:child_process';
import { chown, cp, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lookUpUser } from '../sandbox/isolation';
import { runLimited, treeBytes } from './limited-process';

const run = promisify(execFile);

export interface NpmInstallSettings {
  /** The registry to install from; absent: the platform's own `npm config get registry`, read once. */
  registry?: string;
  /** Who runs npm when the platform is root (a user name or uid). */
  user: string;
  timeoutMs?: number;
  /** What npm may download and unpack (installed packages plus its cache) before it is stopped. */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
/** The platform's npm settings for reaching its registry through its network (TLS trust and proxies). */
const REACHING_THE_REGISTRY = ['cafile', 'proxy', 'https-proxy', 'noproxy', 'strict-ssl'];

interface Identity {
  uid: number;
  gid: number;
}

/**
 * Installs a script's (already validated) registry dependencies without letting the upload steer npm:
 * npm runs in an empty temporary folder that holds only a package.json written here, with config files
 * written here (the platform's registry and how it reaches it, nothing else), lifecycle scripts off, git
 * pointed at a program that does not exist, a minimal environment (PATH and a HOME inside the folder,
 * none of the platform's variables), as an unprivileged user when the platform is root, in a process
 * group of its own that is killed when it runs too long or fills too much disk. Only the installed files
 * and folders (no links) are copied out.
 */
export class NpmInstaller {
  private readonly npmrc = remembered(() => this.platformNpmrc());
  private readonly unprivilegedIdentity = remembered(() => this.scriptUserIdentity());

  constructor(private readonly settings: NpmInstallSettings) {}

  /** Installs `dependencies` and copies the resulting `node_modules` into `into`. */
  async install(dependencies: Record<string, string>, into: string): Promise<void> {
    const [npmrc, identity] = await Promise.all([this.npmrc(), this.unprivilegedIdentity()]);
    const folder = await mkdtemp(join(tmpdir(), 'omega-script-npm-'));
    try {
      const project = join(folder, 'project');
      const config = join(folder, 'config');
      await Promise.all(['project', 'config', 'home', 'cache'].map((name) => mkdir(join(folder, name))));
      await writeFile(
        join(project, 'package.json'),
        JSON.stringify({ name: 'omega-script-dependencies', version: '0.0.0', private: true, dependencies }),
      );
      await writeFile(join(config, 'npmrc'), npmrc, { mode: 0o644 });
      await writeFile(join(config, 'global-npmrc'), npmrc, { mode: 0o644 });
      if (identity) await chownTree(folder, identity);
      await this.runNpm(folder, identity);
      const installed = join(project, 'node_modules');
      if ((await treeBytes(installed)) > this.maxBytes) throw this.tooLarge();
      await rm(join(into, 'node_modules'), { recursive: true, force: true });
      await cp(installed, join(into, 'node_modules'), {
        recursive: true,
        // npm runs with --no-bin-links, so a link here was not made by npm for us: never follow one.
        filter: async (source) => {
          const stats = await lstat(source);
          return stats.isFile() || stats.isDirectory();
        },
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  private get maxBytes(): number {
    return this.settings.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  private async runNpm(folder: string, identity: Identity | undefined): Promise<void> {
    const config = join(folder, 'config');
    const npm = [
      'npm',
      'install',
      `--userconfig=${join(config, 'npmrc')}`,
      `--globalconfig=${join(config, 'global-npmrc')}`,
      `--cache=${join(folder, 'cache')}`,
      `--git=${join(config, 'no-git')}`,
      '--ignore-scripts',
      '--no-bin-links',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      '--workspaces=false',
      '--omit=dev',
      '--loglevel=error',
    ];
    const dropPrivileges = identity
      ? [
          'setpriv',
          `--reuid=${identity.uid}`,
          `--regid=${identity.gid}`,
          '--clear-groups',
          '--no-new-privs',
          '--',
        ]
      : [];
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const outcome = await runLimited([...dropPrivileges, ...npm], {
      cwd: join(folder, 'project'),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(folder, 'home') },
      timeoutMs,
      watched: folder,
      maxBytes: this.maxBytes,
    });
    if (outcome.ended !== 'exited') {
      throw outcome.ended === 'too-large'
        ? this.tooLarge()
        : OmegaError.invalidInput(
            `Installing the script's dependencies took longer than ${Math.round(timeoutMs / 1000)} s`,
          );
    }
    if (outcome.code === 0) return;
    const detail = outcome.stderr
      .split(folder)
      .join('')
      .split('\n')
      .filter((line) => /ERR|error/i.test(line))
      .slice(0, 5)
      .join(' ')
      .slice(0, 500);
    throw OmegaError.invalidInput(
      `Installing the script's dependencies failed: ${detail || `npm exited with ${outcome.code}`}`,
    );
  }

  private tooLarge(): OmegaError {
    return new OmegaError(
      OmegaErrorCode.PayloadTooLarge,
      `The script's dependencies take more than ${this.maxBytes} bytes`,
    );
  }

  /**
   * The npmrc npm sees: the registry (OMEGA_NPM_REGISTRY, else the platform's own) and how the platform's
   * npm reaches it (its CA file, proxies, strict-ssl), read once from the platform's npm config, never
   * from an upload.
   */
  private async platformNpmrc(): Promise<string> {
    const { stdout } = await run('npm', ['config', 'list', '--json'], { maxBuffer: 4 * 1024 * 1024 });
    const platform = JSON.parse(stdout) as Record<string, unknown>;
    const registry = String(this.settings.registry ?? platform.registry ?? '');
    if (!/^https?:\/\/\S+$/.test(registry)) {
      throw new Error(`The npm registry ${JSON.stringify(registry)} is not an http(s) URL`);
    }
    const lines = [`registry=${registry.endsWith('/') ? registry : `${registry}/`}`];
    for (const key of REACHING_THE_REGISTRY) {
      const value = Array.isArray(platform[key]) ? (platform[key] as unknown[]).join(',') : platform[key];
      // One line per setting: a value with a line break could add settings of its own.
      if ((typeof value === 'string' && value !== '' && !/[\r\n]/.test(value)) || value === false) {
        lines.push(`${key}=${String(value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  /** Root hands npm to the script user; anyone else already is unprivileged and runs it as itself. */
  private async scriptUserIdentity(): Promise<Identity | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    const user = this.settings.user;
    const owner = await lookUpUser(user);
    if (!owner) throw new Error(`OMEGA_SCRIPT_USER ${JSON.stringify(user)} is not a user of this host`);
    if (owner.uid === 0) {
      throw new Error(`OMEGA_SCRIPT_USER ${JSON.stringify(user)} must be an unprivileged user, not root`);
    }
    return { uid: owner.uid, gid: owner.gid };
  }
}

/** What `load` gives, asked once; a failure is not kept, so the next call asks again. */
function remembered<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

async function chownTree(path: string, identity: Identity): Promise<void> {
  await chown(path, identity.uid, identity.gid);
  const stats = await lstat(path);
  if (!stats.isDirectory()) return;
  for (const name of await readdir(path)) await chownTree(join(path, name), identity);
}
