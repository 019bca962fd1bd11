import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeNpmRegistry, startFakeNpmRegistry } from '../../../../test/support/fake-npm-registry';
import { NpmInstaller } from './npm-install';

const isRoot = process.getuid?.() === 0;

describe('NpmInstaller', () => {
  let registry: FakeNpmRegistry;
  let folder: string;
  let into: string;

  beforeAll(async () => {
    registry = await startFakeNpmRegistry({ tiny: 'from the fake registry' });
  });
  afterAll(() => registry.close());

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'omega-npm-spec-'));
    // The stand-in npm below runs as the script user and writes its report here.
    chmodSync(folder, 0o777);
    into = join(folder, 'into');
    rmSync(into, { force: true, recursive: true });
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('installs registry dependencies from the configured registry and copies node_modules out', async () => {
    const installer = new NpmInstaller({ registry: registry.url, user: 'nobody' });
    await installer.install({ tiny: '^1.0.0' }, folder);
    expect(readFileSync(join(folder, 'node_modules', 'tiny', 'index.js'), 'utf8')).toContain(
      'from the fake registry',
    );
    expect(registry.requests).toEqual(['/tiny', '/tiny/-/tiny-1.0.0.tgz']);
  });

  it('answers 400 with npm’s reason, without its temporary folder, when a package does not exist', async () => {
    const installer = new NpmInstaller({ registry: registry.url, user: 'nobody' });
    const failure = installer.install({ 'no-such-package': '^1.0.0' }, folder);
    await expect(failure).rejects.toThrow(/Installing the script's dependencies failed: .*404/);
    await expect(failure).rejects.not.toThrow(/omega-script-npm-/);
  });

  it.each([
    ['root', /OMEGA_SCRIPT_USER "root" must be an unprivileged user/],
    ['no-such-user-here', /OMEGA_SCRIPT_USER "no-such-user-here" is not a user of this host/],
  ])('as root, refuses to hand npm to %s; unprivileged, runs it as itself', async (user, refusal) => {
    const installing = new NpmInstaller({ registry: registry.url, user }).install({ tiny: '^1.0.0' }, folder);
    if (isRoot) await expect(installing).rejects.toThrow(refusal);
    else await expect(installing).resolves.toBeUndefined();
  });

  describe('with a stand-in npm that reports how it was started', () => {
    let path: string | undefined;
    const report = () => JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8'));

    /** Puts an `npm` first on PATH that runs `body` (a shell script) with $REPORT set. */
    const fakeNpm = (body: string) => {
      const bin = join(folder, 'bin');
      rmSync(bin, { recursive: true, force: true });
      mkdirSync(bin, { mode: 0o755 });
      writeFileSync(join(bin, 'npm'), `#!/bin/sh\nREPORT=${folder}/report.json\n${body}\n`, { mode: 0o755 });
      path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
    };
    afterEach(() => {
      if (path !== undefined) process.env.PATH = path;
      path = undefined;
    });

    it('runs in an empty folder holding only our package.json, with clean configs, scripts and git off', async () => {
      process.env.OMEGA_TEST_SECRET = 'must not reach npm';
      fakeNpm(`
node -e 'const fs = require("fs"); fs.writeFileSync(process.argv[1], JSON.stringify({
  uid: process.getuid(), groups: process.getgroups(), env: process.env, args: process.argv.slice(2), cwd: process.cwd(),
  files: fs.readdirSync("."), manifest: JSON.parse(fs.readFileSync("package.json", "utf8")),
  userconfig: fs.readFileSync(process.argv.find((a) => a.startsWith("--userconfig=")).split("=")[1], "utf8"),
}))' "$REPORT" "$@"
mkdir -p node_modules/tiny && echo 'exports.value = 1;' > node_modules/tiny/index.js
ln -s /etc node_modules/escape`);
      const installer = new NpmInstaller({ registry: 'http://127.0.0.1:9/', user: 'nobody' });
      await installer.install({ tiny: '^1.0.0' }, folder);
      delete process.env.OMEGA_TEST_SECRET;
      const seen = report();
      if (isRoot) {
        expect(seen.uid).toBe(65534);
        expect(seen.groups).toEqual([65534]);
      }
      expect(
        Object.keys(seen.env).filter((name) => !['PATH', 'HOME', 'PWD', 'SHLVL', '_'].includes(name)),
      ).toEqual([]);
      expect(seen.env.HOME.startsWith(join(tmpdir(), 'omega-script-npm-'))).toBe(true);
      expect(seen.files).toEqual(['package.json']);
      expect(seen.manifest).toEqual({
        name: 'omega-script-dependencies',
        version: '0.0.0',
        private: true,
        dependencies: { tiny: '^1.0.0' },
      });
      expect(seen.userconfig).toMatch(/^registry=http:\/\/127\.0\.0\.1:9\/\n/);
      expect(seen.args).toEqual(
        expect.arrayContaining(['install', '--ignore-scripts', '--no-bin-links', '--no-package-lock']),
      );
      const git = (seen.args as string[]).find((arg) => arg.startsWith('--git='))!.slice('--git='.length);
      expect(existsSync(git)).toBe(false);
      // The copy keeps files and folders and drops the link npm did not make.
      expect(readFileSync(join(folder, 'node_modules', 'tiny', 'index.js'), 'utf8')).toContain('value');
      expect(() => lstatSync(join(folder, 'node_modules', 'escape'))).toThrow(/ENOENT/);
    });

    it('stops npm and its children after the time limit (400)', async () => {
      fakeNpm(`sleep 30 & echo $! > ${folder}/child.pid\nwait`);
      const installer = new NpmInstaller({ registry: registry.url, user: 'nobody', timeoutMs: 1000 });
      const started = Date.now();
      await expect(installer.install({ tiny: '^1.0.0' }, folder)).rejects.toThrow(/took longer than 1 s/);
      expect(Date.now() - started).toBeLessThan(10_000);
      const child = Number(readFileSync(join(folder, 'child.pid'), 'utf8'));
      // Gone, or a zombie waiting for init to reap it: either way no longer running.
      const state = () => readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0];
      let current: string | undefined;
      try {
        current = state();
      } catch {
        current = 'gone';
      }
      expect(['gone', 'Z']).toContain(current);
    });

    it('stops npm when what it writes passes the size limit (413)', async () => {
      fakeNpm(`mkdir -p node_modules/big && head -c 3000000 /dev/zero > node_modules/big/blob && sleep 20`);
      const installer = new NpmInstaller({ registry: registry.url, user: 'nobody', maxBytes: 1_000_000 });
      const started = Date.now();
      await expect(installer.install({ big: '^1.0.0' }, folder)).rejects.toMatchObject({
        message: expect.stringMatching(/take more than 1000000 bytes/),
        code: 'PAYLOAD_TOO_LARGE',
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(existsSync(join(folder, 'node_modules'))).toBe(false);
    });
  });
});
