import { Logger } from '@nestjs/common';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const START_TIMEOUT_MS = 60_000;

export interface EmbeddedMongoOptions {
  dataDir: string;
  port: number;
}

/**
 * The embedded default's MongoDB-wire server: FerretDB on its SQLite handler, with its files under the
 * data directory so data survives restarts. The binary is built with `go install` the first time (the
 * services script knows how), then reused.
 */
export class EmbeddedMongo {
  private readonly logger = new Logger('EmbeddedMongo');
  private child?: ChildProcess;

  constructor(private readonly options: EmbeddedMongoOptions) {}

  get url(): string {
    return `mongodb://127.0.0.1:${this.options.port}/`;
  }

  async start(): Promise<string> {
    if (await portAnswers(this.options.port)) {
      throw new Error(
        `Port ${this.options.port} is already in use, so the embedded MongoDB-wire server cannot start there. ` +
          'Set OMEGA_EMBEDDED_MONGO_PORT to a free port, or OMEGA_MONGO_URL to use a running server.',
      );
    }
    const binary = await findFerretDb();
    const storage = join(this.options.dataDir, 'ferretdb');
    mkdirSync(storage, { recursive: true });
    const logPath = join(this.options.dataDir, 'ferretdb.log');
    const log = createWriteStream(logPath, { flags: 'a' });
    this.logger.log(`Starting FerretDB (SQLite under ${storage}) on 127.0.0.1:${this.options.port}`);
    const child = spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${storage}/`,
        `--listen-addr=127.0.0.1:${this.options.port}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const exited = new Promise<never>((_resolve, reject) =>
      child.once('exit', (code) => reject(new Error(`FerretDB exited with code ${code}; see ${logPath}`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await portAnswers(this.options.port))) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`FerretDB did not answer on port ${this.options.port} within 60 s; see ${logPath}`);
      }
      await Promise.race([sleep(100), exited]);
    }
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exit = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await Promise.race([exit, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    this.child = undefined;
  }
}

/** The repository root: where `scripts/services.sh` lives. */
function projectRoot(): string {
  let dir = __dirname;
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'omega-ts'
    ) {
      return dir;
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

async function findFerretDb(): Promise<string> {
  if (process.env.OMEGA_FERRETDB_BIN) return resolve(process.env.OMEGA_FERRETDB_BIN);
  const script = join(projectRoot(), 'scripts', 'services.sh');
  const { stdout } = await execFileAsync('bash', [script, 'ensure-ferretdb'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const binary = stdout.trim().split('\n').pop() ?? '';
  if (!binary || !existsSync(binary))
    throw new Error(`Could not find or build FerretDB (got ${JSON.stringify(binary)})`);
  return binary;
}

/** True when something accepts TCP connections on the loopback port. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
