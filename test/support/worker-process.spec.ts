import { ChildProcess, spawn } from 'node:child_process';
import { watchStart } from './worker-process';

const READY = /worker (\S+) ready/;
const WHAT = 'a line "worker <id> ready"';

/** A Node.js child running `code`, with its output piped. */
function node(code: string): ChildProcess {
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('watchStart: the wait for a starting process depends on its progress', () => {
  const children: ChildProcess[] = [];
  const start = (code: string): ChildProcess => {
    const child = node(code);
    children.push(child);
    return child;
  };

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });

  it('waits past the idle window for a process that keeps printing, and keeps reading after', async () => {
    // Twice the idle window of steady output before the ready line: a flat window would have ended it.
    const child = start(`
      const started = Date.now();
      const timer = setInterval(() => {
        process.stdout.write('compiling\\n');
        if (Date.now() - started > 8000) { clearInterval(timer); console.log('worker w1 ready'); console.log('after'); }
      }, 200);`);
    const watch = watchStart(child, READY, WHAT, { idleMs: 4000, capMs: 120_000 });
    await expect(watch.ready).resolves.toMatchObject({ 1: 'w1' });
    await exited(child);
    expect(watch.output()).toContain('after');
  }, 60_000);

  it('counts CPU time as progress: a silent process busy compiling is given its time', async () => {
    const child = start(`
      const started = Date.now();
      while (Date.now() - started < 9000) Math.sqrt(Math.random());
      console.log('worker w2 ready');`);
    const watch = watchStart(child, READY, WHAT, { idleMs: 4000, capMs: 120_000 });
    await expect(watch.ready).resolves.toMatchObject({ 1: 'w2' });
  }, 60_000);

  it('gives up on a process with neither output nor CPU time, kills it, and names what it waited for', async () => {
    const child = start(`console.log('booting'); setTimeout(() => console.log('worker w3 ready'), 600000);`);
    const watch = watchStart(child, READY, WHAT, { idleMs: 3000, capMs: 120_000 });
    await expect(watch.ready).rejects.toThrow(
      new RegExp(
        `waited \\d+ s for ${WHAT} \\(pid ${child.pid}\\): no output and no CPU time for 3 s; its output:\\nbooting`,
      ),
    );
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
  }, 60_000);

  it('gives up at the cap however busy the process stays', async () => {
    const child = start(`setInterval(() => process.stdout.write('still compiling\\n'), 100);`);
    const watch = watchStart(child, READY, WHAT, { idleMs: 4000, capMs: 7000 });
    await expect(watch.ready).rejects.toThrow(
      /for a line "worker <id> ready" .*: still starting after the cap of 7 s/,
    );
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
  }, 60_000);

  it('reports an exit before the ready line with what the process printed', async () => {
    const child = start(`console.error('cannot reach the broker'); process.exit(3);`);
    const watch = watchStart(child, READY, WHAT, { idleMs: 60_000, capMs: 180_000 });
    await expect(watch.ready).rejects.toThrow(
      /exited \(3\) before a line "worker <id> ready".*\ncannot reach the broker/s,
    );
  }, 60_000);
});
