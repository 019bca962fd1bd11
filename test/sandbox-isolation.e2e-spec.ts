import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { CapturingLogger } from './support/capturing-logger';
import { SCRIPT_LIMIT_SECONDS } from './support/short-limit-worker';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SECRET_KEY = randomBytes(32).toString('base64url');
/** Small, so a script can send a message over it without needing much memory. */
const IPC_MAX_BYTES = 1024 * 1024;
/** On the allow-list, yet loopback: the worker must still refuse it. */
const LOOPBACK_ALLOWED_HOST = 'localhost';

/** Every way out a script might try, tried as an attacker would; each answers how it ended. */
const NETWORK_SCRIPT = `
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');
// Each way out fails at once; a probe that hangs answers TIMEOUT (and fails the test) well within the run's limit.
const outcome = (start) => new Promise((resolve) => {
  const timer = setTimeout(() => resolve('TIMEOUT'), 5000);
  const done = (value) => { clearTimeout(timer); resolve(value); };
  try { start(done); } catch (error) { done(error.code || error.message); }
});
const tcp = (port) => outcome((done) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('connect', () => { socket.destroy(); done('CONNECTED'); });
  socket.on('error', (error) => done(error.code));
});
exports.run = async function (om, ports) {
  const result = { tcp: {} };
  for (const [name, port] of Object.entries(ports)) result.tcp[name] = await tcp(port);
  result.udp = await outcome((done) => {
    const socket = dgram.createSocket('udp4');
    socket.on('error', (error) => done(error.code));
    socket.send('x', 53, '127.0.0.1', (error) => { socket.close(); done(error ? error.code : 'SENT'); });
  });
  result.dns = await outcome((done) => dns.lookup('example.com', (error) => done(error ? error.code : 'RESOLVED')));
  result.listen = await outcome((done) => {
    const server = net.createServer();
    server.on('error', (error) => done(error.code));
    server.listen(0, () => { server.close(); done('LISTENING'); });
  });
  return result;
};
`;

/** Who the script runs as, and what it can do to the processes around it. */
const SIGNAL_SCRIPT = `
exports.run = function (om, platformPid) {
  const attempt = (pid, signal) => { try { process.kill(pid, signal); return 'SENT'; } catch (error) { return error.code; } };
  return {
    uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
    ppid: process.ppid, pid: process.pid,
    stopPlatform: attempt(platformPid, 'SIGSTOP'),
    killPlatformGroup: attempt(-platformPid, 'SIGKILL'),
    killInit: attempt(1, 'SIGKILL'),
    killEveryone: attempt(-1, 'SIGKILL'),
    ipcChannel: typeof process.send,
  };
};
`;

/** fetch to the loopback host (allowed by name, refused by address) and to a host not on the list. */
const EGRESS_SCRIPT = `
exports.run = async function (om, apiPort) {
  const refusal = (url) => fetch(url).then((answer) => 'HTTP ' + answer.status, (error) => String(error.cause?.message ?? error.message));
  return {
    allowedLoopback: await refusal('http://${LOOPBACK_ALLOWED_HOST}:' + apiPort + '/health'),
    notListed: await refusal('http://example.com/'),
    literalAddress: await refusal('http://127.0.0.1:' + apiPort + '/health'),
  };
};
`;

/** Writes raw bytes on the child's channel to the worker (fd 3), as user code can. */
const channelWrite = (bytes: string) => `
exports.run = () => new Promise(() => {
  require('node:fs').writeSync(3, ${bytes});
});
`;

interface Runner {
  app: TestApp;
  other: TestPrincipal;
  /** The pid of the process that runs the sandbox children (the API itself, or the worker). */
  platformPid: number;
  stop(): Promise<void>;
}

/** What a run itself writes in its own tenant: its task record, its outcome and its run token. */
const RUN_BOOKKEEPING = new Set(['omega_tasks', 'omega_task_outcomes', 'omega_run_tokens']);

/** Databases of this test's prefix, each with its collections and their counts (not a run's bookkeeping). */
async function databaseSnapshot(app: TestApp): Promise<Record<string, Record<string, number>>> {
  const client = await MongoClient.connect(app.config.mongoUrl ?? '');
  try {
    const snapshot: Record<string, Record<string, number>> = {};
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases.filter((entry) => entry.name.startsWith(app.config.mongoDbPrefix))) {
      snapshot[name] = {};
      for (const { name: collection } of await client.db(name).listCollections().toArray()) {
        if (!RUN_BOOKKEEPING.has(collection))
          snapshot[name][collection] = await client.db(name).collection(collection).countDocuments();
      }
    }
    return snapshot;
  } finally {
    await client.close();
  }
}

const config = {
  scriptTimeoutSeconds: SCRIPT_LIMIT_SECONDS,
  scriptIpcMaxBytes: IPC_MAX_BYTES,
  scriptEgressHosts: [LOOPBACK_ALLOWED_HOST],
  secretKey: SECRET_KEY,
};

const runners: [string, () => Promise<Runner>][] = [
  [
    'the embedded runner (the API is the parent)',
    async () => {
      const app = await startTestApp({ config });
      const other = await app.createPrincipal({ tenant: 'other' });
      return { app, other, platformPid: process.pid, stop: () => app.close() };
    },
  ],
  [
    'a broker worker',
    async () => {
      const app = await startTestApp({ broker: true, config });
      const worker: WorkerProcess = await startWorker(app.config, {
        env: {
          OMEGA_SECRET_KEY: SECRET_KEY,
          OMEGA_API_URL: app.url,
          OMEGA_SCRIPT_TIMEOUT_SECONDS: String(SCRIPT_LIMIT_SECONDS),
          OMEGA_SCRIPT_IPC_MAX_BYTES: String(IPC_MAX_BYTES),
          OMEGA_SCRIPT_EGRESS_HOSTS: LOOPBACK_ALLOWED_HOST,
        },
      });
      const other = await app.createPrincipal({ tenant: 'other' });
      return {
        app,
        other,
        platformPid: worker.pid,
        stop: async () => {
          await worker.stop();
          await app.close();
        },
      };
    },
  ],
];

describe.each(runners)('the script sandbox, run by %s', (_name, start) => {
  let runner: Runner;
  let app: TestApp;

  const upload = (name: string, source: string) =>
    app.api.post('/api/v1/script/').field('name', name).attach('file', Buffer.from(source), `${name}.js`);
  const run = (name: string, args: unknown[] = []) => app.api.post(`/api/v1/script/${name}/run`).send(args);
  const healthy = async () => {
    await app.api.get('/health').expect(200);
    await app.api.get('/api/v1/ping').expect(200);
  };

  beforeAll(async () => {
    runner = await start();
    app = runner.app;
    await runner.other.api
      .put('/api/v1/dataset/secret')
      .send({ data: [{ a: 1 }, { a: 2 }] })
      .expect(200);
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
  });

  it('gives user code no network: TCP to every platform port, UDP, DNS and listen() all fail; no database changes', async () => {
    const port = (url: string | undefined) => Number(new URL(url ?? '').port);
    const ports = {
      mongoWire: port(process.env.OMEGA_TEST_MONGO_URL),
      rabbitmq: 5672,
      postgresql: 5432,
      mariadb: 3306,
      api: port(app.url),
    };
    await upload('network', NETWORK_SCRIPT).expect(201);
    const before = await databaseSnapshot(app);
    expect(Object.keys(before).some((name) => name.includes('other'))).toBe(true);
    const { body } = await run('network', [ports]).expect(200);
    expect(body.result).toEqual({
      tcp: {
        mongoWire: 'ENETUNREACH',
        rabbitmq: 'ENETUNREACH',
        postgresql: 'ENETUNREACH',
        mariadb: 'ENETUNREACH',
        api: 'ENETUNREACH',
      },
      udp: 'ERR_ACCESS_DENIED',
      dns: expect.stringMatching(/^(EAI_AGAIN|ENOTFOUND|ECONNREFUSED)$/),
      listen: 'ERR_ACCESS_DENIED',
    });
    expect(await databaseSnapshot(app)).toEqual(before);
    await runner.other.api.get('/api/v1/dataset/secret').expect(200);
  }, 60_000);

  it('runs as nobody in namespaces of its own: it can signal neither the platform nor anything else', async () => {
    await upload('signals', SIGNAL_SCRIPT).expect(201);
    const { body } = await run('signals', [runner.platformPid]).expect(200);
    expect(body.result).toEqual({
      uid: 65534,
      gid: 65534,
      // Node lists the effective gid among the groups; setpriv --clear-groups left no other.
      groups: [65534],
      // The parent lies outside its PID namespace: it is the first and only process it sees.
      ppid: 0,
      pid: 1,
      stopPlatform: 'ESRCH',
      killPlatformGroup: 'ESRCH',
      // Its own pid 1 (itself, as init of its namespace, ignores a signal it has no handler for).
      killInit: 'SENT',
      // Nothing else is in its namespace to signal.
      killEveryone: 'ESRCH',
      ipcChannel: 'undefined',
    });
    await healthy();
  }, 60_000);

  it('process.kill(process.ppid, "SIGSTOP") reaches nothing: the parent is outside its namespace', async () => {
    await upload(
      'stop',
      `exports.run = () => { process.kill(process.ppid, 'SIGSTOP'); return 'not stopped'; };`,
    ).expect(201);
    const { body } = await run('stop').expect(200);
    expect(body.result).toBe('not stopped');
    await healthy();
  });

  it('process.send(null) has no channel to reach: the run fails, the platform keeps serving', async () => {
    await upload('send-null', 'exports.run = () => process.send(null);').expect(201);
    const { body } = await run('send-null').expect(422);
    expect(body.code).toBe('SCRIPT_FAILED');
    expect(body.message).toMatch(/process\.send is not a function/);
    await healthy();
  });

  it('a message over OMEGA_SCRIPT_IPC_MAX_BYTES ends the run as FAILURE before it is read', async () => {
    // A result too large for one message, and a frame that only announces a huge size.
    await upload('giant-result', `exports.run = () => 'x'.repeat(${IPC_MAX_BYTES * 2});`).expect(201);
    const giant = await run('giant-result').expect(422);
    expect(giant.body.code).toBe('SCRIPT_FAILED');
    expect(giant.body.message).toMatch(
      new RegExp(`sent a message of \\d+ bytes \\(the limit is ${IPC_MAX_BYTES}\\); the run was stopped`),
    );
    await upload('giant-frame', channelWrite(`Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 2])`)).expect(
      201,
    );
    const announced = await run('giant-frame').expect(422);
    expect(announced.body.message).toMatch(/sent a message of 2147483647 bytes/);
    const record = await app.api.get(`/api/v1/task/${announced.body.task_id}/result`).expect(200);
    expect(record.body).toMatchObject({ status: 'FAILURE', error: { code: 'SCRIPT_FAILED' } });
    await healthy();
  }, 60_000);

  it('a request too large for one message fails in the script, which may catch it and go on', async () => {
    const script = `exports.run = () =>
  fetch('http://example.com/', { method: 'POST', body: 'x'.repeat(${IPC_MAX_BYTES * 2}) }).then(
    () => 'sent',
    (error) => error.name + ': ' + error.message,
  );`;
    await upload('large-request', script).expect(201);
    const { body } = await run('large-request').expect(200);
    expect(body.result).toBe(`RangeError: A request from a script is limited to ${IPC_MAX_BYTES} bytes`);
  });

  it('garbage and unknown messages on the channel end the run as FAILURE', async () => {
    await upload(
      'garbage',
      channelWrite(`Buffer.from('\\u0000\\u0000\\u0000\\u0010garbage-garbage!')`),
    ).expect(201);
    const garbage = await run('garbage').expect(422);
    expect(garbage.body.code).toBe('SCRIPT_FAILED');
    expect(garbage.body.message).toMatch(/sent a message that is not a frame/);
    const frame = (message: unknown) => {
      const json = Buffer.from(JSON.stringify(message));
      const prefix = Buffer.alloc(8);
      prefix.writeUInt32BE(4 + json.length, 0);
      prefix.writeUInt32BE(json.length, 4);
      return `Buffer.from(${JSON.stringify(Buffer.concat([prefix, json]).toString('base64'))}, 'base64')`;
    };
    await upload('unknown', channelWrite(frame({ type: 'shell', command: 'id' }))).expect(201);
    const unknown = await run('unknown').expect(422);
    expect(unknown.body.message).toMatch(/outside its protocol: unknown message type "shell"/);
    await upload('bad-done', channelWrite(frame({ type: 'done', ok: 'yes' }))).expect(201);
    const badDone = await run('bad-done').expect(422);
    expect(badDone.body.message).toMatch(/outside its protocol: done\.ok is not a boolean/);
    await healthy();
  }, 60_000);

  it('fetch reaches no loopback host, even one on OMEGA_SCRIPT_EGRESS_HOSTS, and no host off the list', async () => {
    await upload('egress', EGRESS_SCRIPT).expect(201);
    const { body } = await run('egress', [Number(new URL(app.url).port)]).expect(200);
    expect(body.result).toEqual({
      allowedLoopback: expect.stringMatching(
        /refused: it resolves to (127\.0\.0\.1|::1), which is not a public address/,
      ),
      notListed: expect.stringMatching(
        /fetch to example\.com refused: a script reaches only the hosts listed/,
      ),
      literalAddress: expect.stringMatching(/fetch to 127\.0\.0\.1 refused/),
    });
  });
});

describe('om in the sandbox, through the worker', () => {
  let app: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    app = await startTestApp({ broker: true, config });
    worker = await startWorker(app.config, {
      env: { OMEGA_SECRET_KEY: SECRET_KEY, OMEGA_API_URL: app.url },
    });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('om.datasets.put and get work though the child has no network', async () => {
    const script = `exports.run = async function (om) {
  await om.datasets.put([{ n: 1 }, { n: 2 }], 'made-by-a-script');
  const rows = await om.datasets.get('made-by-a-script');
  // A streamed body (the SDK sends bytes as a stream) crosses the channel too.
  await om.datasets.put(Buffer.from('a,b\\n1,x\\n2,y\\n'), 'streamed-by-a-script');
  const streamed = await om.datasets.get('streamed-by-a-script');
  return { rows, streamed, env: Object.keys(process.env) };
};`;
    await app.api
      .post('/api/v1/script/')
      .field('name', 'om-through-parent')
      .attach('file', Buffer.from(script), 'om.js')
      .expect(201);
    const { body } = await app.api.post('/api/v1/script/om-through-parent/run').expect(200);
    expect(body.result).toEqual({
      rows: [{ n: 1 }, { n: 2 }],
      streamed: [
        { a: 1, b: 'x' },
        { a: 2, b: 'y' },
      ],
      env: [],
    });
    const stored = await app.api.get('/api/v1/dataset/made-by-a-script').expect(200);
    expect(Object.values(stored.body.data.n)).toEqual([1, 2]);
  }, 60_000);

  it('makes at most 32 requests of a run at once: a flood through om is cut, not passed on', async () => {
    const script = `exports.run = async function (om) {
  const all = await Promise.allSettled(Array.from({ length: 40 }, () => om.datasets.list()));
  const refused = all.filter((one) => one.status === 'rejected').map((one) => one.reason.message);
  return { served: all.length - refused.length, refused: [...new Set(refused)] };
};`;
    await app.api
      .post('/api/v1/script/')
      .field('name', 'flood')
      .attach('file', Buffer.from(script), 'flood.js')
      .expect(201);
    const { body } = await app.api.post('/api/v1/script/flood/run').expect(200);
    expect(body.result.served).toBeGreaterThanOrEqual(32);
    expect(body.result.served).toBeLessThan(40);
    expect(body.result.refused).toEqual([expect.stringMatching(/A run makes at most 32 requests at once/)]);
  }, 60_000);
});

describe('a host that cannot isolate user code', () => {
  const WHOAMI = 'exports.run = () => ({ uid: process.getuid(), pid: process.pid === 1 ? 1 : "own" });';

  const tryRun = async (app: TestApp) => {
    await app.api
      .post('/api/v1/script/')
      .field('name', 'whoami')
      .attach('file', Buffer.from(WHOAMI), 'whoami.js')
      .expect(201);
    return app.api.post('/api/v1/script/whoami/run');
  };

  it('says so at start-up and refuses every run, while the API keeps serving data', async () => {
    const logger = new CapturingLogger();
    const app = await startTestApp({ logger, config: { scriptUser: 'no-such-user-here' } });
    try {
      const refusal =
        /User code cannot run isolated on this host: the user no-such-user-here \(OMEGA_SCRIPT_USER\) does not exist\..*OMEGA_SCRIPT_ISOLATION=none/;
      expect(logger.lines.filter((line) => refusal.test(line))).toHaveLength(1);
      const { status, body } = await tryRun(app);
      expect(status).toBe(422);
      expect(body.code).toBe('SCRIPT_FAILED');
      expect(body.message).toMatch(refusal);
      const record = await app.api.get(`/api/v1/task/${body.task_id}/result`).expect(200);
      expect(record.body.status).toBe('FAILURE');
      await app.api
        .put('/api/v1/dataset/still-served')
        .send({ data: [{ a: 1 }] })
        .expect(200);
      await app.api.get('/health').expect(200);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('runs without namespaces only when OMEGA_SCRIPT_ISOLATION=none says so, with a warning at start', async () => {
    const logger = new CapturingLogger();
    const app = await startTestApp({ logger, config: { scriptIsolation: 'none' } });
    try {
      expect(logger.lines.some((line) => /OMEGA_SCRIPT_ISOLATION=none: .*unsafe/.test(line))).toBe(true);
      const { status, body } = await tryRun(app);
      expect(status).toBe(200);
      // As the platform's own user, in the platform's PID namespace: exactly what isolation prevents.
      expect(body.result).toEqual({ uid: process.getuid?.(), pid: 'own' });
    } finally {
      await app.close();
    }
  }, 60_000);
});
