import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FakeNpmRegistry, startFakeNpmRegistry } from './support/fake-npm-registry';
import { TarEntry, tarArchive } from './support/tar-archive';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Script uploads tried as an attacker would: an upload's own configuration (.npmrc, lock files, other
 * package managers' files) must never reach npm, dependencies are registry semver ranges only, archives
 * hold only files and folders, and a build error never tells whether a server path exists. npm installs
 * from a fake registry on loopback, so none of this needs the internet.
 */
describe('script uploads', () => {
  let app: TestApp;
  let registry: FakeNpmRegistry;
  /** Where an upload's .npmrc points npm: it must never be asked anything. */
  let trap: FakeNpmRegistry;
  const marker = join(tmpdir(), `omega-upload-attack-${randomBytes(6).toString('hex')}`);

  /** A shell script that leaves a marker and takes the platform's credentials, if it ever runs. */
  const payload = () =>
    `#!/bin/sh\ntouch ${marker}\ncp ${join(app.config.dataDir, 'credentials.json')} ${marker}.stolen\nexit 1\n`;

  /** The package folder of an upload, as `npm pack` lays it out. */
  const packed = (files: Record<string, string>, extra: TarEntry[] = []) =>
    tarArchive([
      ...Object.entries(files).map(([name, content]) => ({
        name: `package/${name}`,
        content,
        mode: name.endsWith('.sh') ? 0o755 : 0o644,
      })),
      ...extra,
    ]);

  const put = (name: string, archive: Buffer, fields: Record<string, string> = {}) => {
    let call = app.api.post('/api/v1/script/').field('name', name);
    for (const [key, value] of Object.entries(fields)) call = call.field(key, value);
    return call.attach('file', archive, `${name}.tgz`);
  };

  /**
   * Every file below the API's data folder with its size and modification time. The accounts database
   * is listed by name only: each authenticated request records when its API key was last used.
   */
  const dataFolder = () => {
    const files: Record<string, string> = {};
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else {
          const name = relative(app.config.dataDir, path);
          files[name] = name.startsWith('accounts.sqlite')
            ? 'present'
            : `${statSync(path).size}@${statSync(path).mtimeMs}`;
        }
      }
    };
    walk(app.config.dataDir);
    return files;
  };

  const expectNoTrace = () => {
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${marker}.stolen`)).toBe(false);
    expect(trap.requests).toEqual([]);
  };

  beforeAll(async () => {
    registry = await startFakeNpmRegistry({ 'tiny-dep': 'from the loopback registry' });
    trap = await startFakeNpmRegistry();
    app = await startTestApp({ config: { npmRegistry: registry.url } });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await registry?.close();
    await trap?.close();
    rmSync(marker, { force: true });
    rmSync(`${marker}.stolen`, { force: true });
  });

  it('refuses the .npmrc git= attack with a git+file: dependency (400 naming it), leaving no trace', async () => {
    const before = dataFolder();
    const { body } = await put(
      'attack',
      packed({
        'package.json': JSON.stringify({
          name: 'attack',
          main: 'index.js',
          dependencies: { innocent: `git+file://${tmpdir()}/repo.git` },
        }),
        '.npmrc': `git=./evil.sh\nregistry=${trap.url}\n`,
        'evil.sh': payload(),
        'index.js': 'exports.run = () => 1;',
      }),
    ).expect(400);
    expect(body.message).toMatch(
      /^Dependency innocent: "git\+file:.*" is not allowed; give a semver version or range/,
    );
    expectNoTrace();
    expect(dataFolder()).toEqual(before);
    await app.api.get('/api/v1/script/attack').expect(404);
  });

  it('does not run the .npmrc git= program for a git+file: optional dependency (only dependencies are read)', async () => {
    const answer = await put(
      'optional',
      packed({
        'package.json': JSON.stringify({
          name: 'optional',
          main: 'index.js',
          dependencies: { 'tiny-dep': '^1.0.0' },
          optionalDependencies: { innocent: `git+file://${tmpdir()}/repo.git` },
        }),
        // The same registry as the platform's, so only the git= line could make a difference.
        '.npmrc': `git=./evil.sh\nregistry=${registry.url}\n`,
        'evil.sh': payload(),
        'index.js': 'exports.run = () => 1;',
      }),
    );
    expectNoTrace();
    expect(answer.status).toBe(201);
    expect(answer.body.kindMeta.dependencies).toEqual({ 'tiny-dep': '1.0.0' });
  });

  it('ignores an upload’s .npmrc, lock files and other config files: installs from the platform’s registry', async () => {
    const answer = await put(
      'configured',
      packed({
        'package.json': JSON.stringify({
          name: 'configured',
          main: 'index.ts',
          dependencies: { 'tiny-dep': '^1.0.0' },
          // Only dependencies are installed: these never reach npm.
          optionalDependencies: { sneaky: `git+file://${tmpdir()}/repo.git` },
          overrides: { 'tiny-dep': `${trap.url}tiny-dep.tgz` },
          scripts: { preinstall: `sh ./evil.sh` },
        }),
        '.npmrc': `git=./evil.sh\nregistry=${trap.url}\nignore-scripts=false\n`,
        '.yarnrc': `registry "${trap.url}"\n`,
        '.yarnrc.yml': `npmRegistryServer: "${trap.url}"\n`,
        '.pnpmfile.cjs': `require('node:child_process').execSync('sh ./evil.sh');\n`,
        'package-lock.json': JSON.stringify({
          name: 'configured',
          lockfileVersion: 3,
          packages: { 'node_modules/tiny-dep': { version: '1.0.0', resolved: `${trap.url}tiny-dep.tgz` } },
        }),
        'npm-shrinkwrap.json': JSON.stringify({ name: 'configured', lockfileVersion: 3 }),
        // Read by the bundler, this would quote the server's file in the build error.
        'tsconfig.json': JSON.stringify({ extends: '/etc/passwd' }),
        'evil.sh': payload(),
        'index.ts': "import { value } from 'tiny-dep';\nexport const run = (): string => value;\n",
      }),
    );
    expectNoTrace();
    expect(answer.status).toBe(201);
    const { body } = answer;
    expect(body.kindMeta.dependencies).toEqual({ 'tiny-dep': '1.0.0' });
    expect(registry.requests).toEqual(
      expect.arrayContaining(['/tiny-dep', '/tiny-dep/-/tiny-dep-1.0.0.tgz']),
    );
    const run = await app.api.post('/api/v1/script/configured/run').send([]).expect(200);
    expect(run.body.result).toBe('from the loopback registry');
  });

  it.each([
    ['git+file:', `git+file://${tmpdir()}/repo.git`],
    ['file:', 'file:../../../etc'],
    ['link:', 'link:/etc'],
    ['an http URL', 'http://127.0.0.1:9/tiny-dep.tgz'],
    ['a GitHub shorthand', 'someone/some-repo'],
    ['an npm: alias', 'npm:tiny-dep@1.0.0'],
  ])(
    'refuses a dependency given as %s (400 naming it), in package.json and beside the upload',
    async (_, spec) => {
      const script = { 'index.js': 'exports.run = () => 1;' };
      const inManifest = await put(
        'refused',
        packed({ ...script, 'package.json': JSON.stringify({ dependencies: { 'tiny-dep': spec } }) }),
      ).expect(400);
      const beside = await put('refused', packed(script), {
        dependencies: JSON.stringify({ 'tiny-dep': spec }),
      }).expect(400);
      for (const { body } of [inManifest, beside]) {
        expect(body.message).toContain(`Dependency tiny-dep: ${JSON.stringify(spec)} is not allowed`);
        expect(body.message).toMatch(/semver version or range from the registry/);
      }
      await app.api.get('/api/v1/script/refused').expect(404);
      expectNoTrace();
    },
  );

  it.each([
    [
      'a hard link to /etc/passwd',
      { name: 'package/passwd.js', type: '1', linkname: '/etc/passwd' },
      'a hard link',
    ],
    ['a symbolic link', { name: 'package/secrets', type: '2', linkname: '/' }, 'a symbolic link'],
    ['a character device', { name: 'package/null', type: '3' }, 'a character device'],
    ['an absolute path', { name: `${tmpdir()}/omega-upload-escape.js`, content: 'x' }, 'an absolute path'],
    ['a path with ..', { name: 'package/../../omega-upload-escape.js', content: 'x' }, 'an absolute path'],
  ])('refuses a tarball with %s (400 naming the entry), writing nothing outside', async (_, entry, kind) => {
    const { body } = await put(
      'linked',
      packed({ 'index.js': "exports.run = () => require('./passwd.js');" }, [entry]),
    ).expect(400);
    expect(body.message).toContain(`Archive entry ${JSON.stringify(entry.name)}`);
    expect(body.message).toContain(kind);
    expect(existsSync(join(tmpdir(), 'omega-upload-escape.js'))).toBe(false);
    await app.api.get('/api/v1/script/linked').expect(404);
  });

  it('answers a build error for an outside import without the path, the same whether it exists or not', async () => {
    const importing = (target: string) =>
      app.api
        .post('/api/v1/script/')
        .field('name', 'outside')
        .attach(
          'file',
          Buffer.from(`import data from ${JSON.stringify(target)};\nexport const run = () => data;\n`),
          'x.ts',
        )
        .expect(400);
    const existing = await importing('/etc/passwd');
    const missing = await importing('/etc/no-such-file-here');
    const climbing = await importing('../../../../../../etc/passwd');
    for (const { body } of [existing, missing, climbing]) {
      expect(body.message).toBe(
        "The script does not build: index.ts:1: imports must be files of the script's package or of its installed dependencies",
      );
      expect(body.message).not.toMatch(/etc|passwd|no-such-file|tmp/);
    }
  });
});
