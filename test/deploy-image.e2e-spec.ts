import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The container image: `scripts/image.sh smoke` builds it (on its own Debian base where no registry image
 * can be pulled; the first build on a machine takes minutes, later ones reuse the cached base and layers),
 * runs api, worker and manager containers against the test services, and removes them. Podman comes from
 * scripts/tools.sh (npm test runs it).
 */
const ROOT = join(__dirname, '..');
const IMAGE = process.env.OMEGA_IMAGE ?? 'localhost/omega-ts:dev';
const BUILD_AND_SMOKE_MS = 40 * 60_000;

function runScript(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'image.sh'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function podman(args: string[]): string {
  const result = spawnSync('podman', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`podman ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('the container image', () => {
  let smoke: { code: number | null; output: string };
  let revision: string;
  const before = new Set<string>();

  beforeAll(async () => {
    for (const name of podman(['ps', '-a', '--format', '{{.Names}}']).split('\n')) if (name) before.add(name);
    revision = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    // Built fresh from this checkout: a stale image from an earlier run proves nothing.
    const build = await runScript(['build']);
    if (build.code !== 0) throw new Error(`scripts/image.sh build failed:\n${build.output}`);
    smoke = await runScript(['smoke']);
  }, BUILD_AND_SMOKE_MS);

  it('passes the smoke test: dataset put, a predict through the worker, /metrics, health, SIGTERM', () => {
    expect({ code: smoke.code, output: smoke.output }).toEqual({
      code: 0,
      output: expect.stringContaining('smoke: ok'),
    });
  });

  it('leaves no container behind', () => {
    const after = podman(['ps', '-a', '--format', '{{.Names}}'])
      .split('\n')
      .filter((name) => name.startsWith('omega-smoke-') && !before.has(name));
    expect(after).toEqual([]);
  });

  it('runs as a non-root user behind tini, with a health check and OCI labels', () => {
    const [config] = JSON.parse(podman(['image', 'inspect', IMAGE])) as {
      Config: {
        User: string;
        Entrypoint: string[];
        Cmd: string[];
        Labels: Record<string, string>;
        Env: string[];
      };
      // Podman shows a Docker-format image's HEALTHCHECK beside its Config.
      Healthcheck?: { Test: string[] };
    }[];
    expect(config.Config.User).toBe('10001:10001');
    expect(config.Config.Entrypoint).toEqual(['/usr/bin/tini', '--', '/usr/local/bin/omega-entrypoint']);
    expect(config.Config.Cmd).toEqual(['api']);
    expect(config.Healthcheck?.Test).toEqual(['CMD', 'node', '/usr/local/lib/omega-healthcheck.mjs']);
    expect(config.Config.Env).toContain('OMEGA_DATA_DIR=/var/lib/omega');
    expect(config.Config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'omega-ts',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.revision': revision,
    });
  });

  it('holds production dependencies only', () => {
    const listing = podman([
      'run',
      '--rm',
      '--network=none',
      '--health-interval=disable',
      IMAGE,
      'node',
      '-e',
      "const fs = require('fs'); for (const name of ['jest', 'ts-jest', '@nestjs/cli', 'eslint', 'playwright-core', 'onnxruntime-node', '@nestjs/core']) console.log(name, fs.existsSync('/app/node_modules/' + name));",
    ]);
    // Not typescript: typeorm, a production dependency, brings it (through ts-node).
    expect(listing.trim().split('\n')).toEqual([
      'jest false',
      'ts-jest false',
      '@nestjs/cli false',
      'eslint false',
      'playwright-core false',
      'onnxruntime-node true',
      '@nestjs/core true',
    ]);
  });
});
