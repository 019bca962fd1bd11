// `npm start` runs this first (prestart): it builds an app only when its sources changed since its last
// build, so starting again with nothing changed skips the minute-long `nest build` of four apps.
//
// Freshness is a content fingerprint, not file times: a checkout, a copy or `touch` changes mtimes without
// changing what tsc would produce, and an edit within the same second would not move them. Hashing the
// ~1.6 MB of sources takes a few tens of milliseconds.
//
// Usage: node scripts/build-if-stale.mjs [--quiet] [app ...]   (default: every app of nest-cli.json)
//   npm start builds the api this way, `npm run start:worker` the worker and `npm run om` the cli, each only
//   its own app; --quiet leaves out the "up to date" line (the om command's output stays its own). Messages
//   go to stderr, so a command's stdout is only the command's.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const nestCli = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8'));
const APPS = Object.entries(nestCli.projects)
  .filter(([, project]) => project.type === 'application')
  .map(([name]) => name);
/** What every app's build reads besides its sources: compiler settings and installed dependencies. */
const SHARED_INPUTS = ['tsconfig.json', 'nest-cli.json', 'package-lock.json'];
/** Tests are excluded by every tsconfig.app.json: editing one does not call for a build. */
const NOT_BUILT = /\.(e2e-)?spec\.ts$/;

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...filesUnder(path));
    } else if (entry.isFile() && !NOT_BUILT.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

/** Every input of the app's build: its own sources, every lib's (views and static assets too), configs. */
function inputsOf(app) {
  const libs = readdirSync(join(ROOT, 'libs')).flatMap((lib) => filesUnder(join(ROOT, 'libs', lib, 'src')));
  const own = filesUnder(join(ROOT, 'apps', app));
  const shared = SHARED_INPUTS.map((file) => join(ROOT, file)).filter((file) => existsSync(file));
  return [...own, ...libs, ...shared].map((file) => relative(ROOT, file)).sort();
}

function fingerprint(app) {
  const hash = createHash('sha256');
  for (const file of inputsOf(app)) {
    hash.update(file).update('\0');
    hash
      .update(
        createHash('sha256')
          .update(readFileSync(join(ROOT, file)))
          .digest(),
      )
      .update('\0');
  }
  return hash.digest('hex');
}

function entryOf(app) {
  return join(ROOT, 'dist', 'apps', app, `${nestCli.projects[app].entryFile}.js`);
}

function stampOf(app) {
  return join(ROOT, 'dist', 'apps', app, '.build-fingerprint');
}

const quiet = process.argv.includes('--quiet');
const wanted = process.argv.slice(2).filter((arg) => arg !== '--quiet');
for (const app of wanted) {
  if (!APPS.includes(app)) {
    process.stderr.write(`build: unknown app "${app}" (apps: ${APPS.join(', ')})\n`);
    process.exit(2);
  }
}

const nest = join(ROOT, 'node_modules', '.bin', 'nest');
const built = [];
const fresh = [];
for (const app of wanted.length > 0 ? wanted : APPS) {
  const current = fingerprint(app);
  const stamp = stampOf(app);
  if (existsSync(entryOf(app)) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === current) {
    fresh.push(app);
    continue;
  }
  process.stderr.write(`build: ${app} changed since its last build, building it\n`);
  // nest's own output goes to stderr too: stdout stays the started command's.
  const run = spawnSync(nest, ['build', app], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
  // The stamp is written after a successful build only, so a failed build is retried on the next start.
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${current}\n`);
  built.push(app);
}
if (fresh.length > 0 && !quiet) {
  process.stderr.write(
    `build: ${fresh.join(', ')} up to date (no source changed since the last build), skipped\n`,
  );
}
if (built.length > 0) process.stderr.write(`build: built ${built.join(', ')}\n`);
