import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routesOf, Route } from './support/routes';
import { createTestSqlDatabase, TestSqlDatabase } from './support/sql-databases';
import { sqliteFile } from './support/sqlite-file';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

/**
 * The tenant matrix: every route × method of the running app, called by an admin of tenant B on tenant A's
 * objects. Each route has an entry saying what B must get; a route without one fails the suite, so a new
 * route joins the matrix when it is written. Afterwards A's objects, read through A's own credentials,
 * are exactly what they were, and no answer to B carried anything of A's.
 *
 * - `hidden`: A's object is not there for B: 404.
 * - `forbidden`: B's role (a tenant admin, not a platform admin) may not call it: 403.
 * - `refused`: B's own credentials do not open A's tenant: 401.
 * - `own`: the route acts in B's own tenant (lists, creates under B's own names, B's own account); it may
 *   answer anything but a 5xx, and never anything of A's — not even A's user or tenant name.
 */
type Outcome = 'hidden' | 'forbidden' | 'refused' | 'own';

interface Entry {
  outcome: Outcome;
  /** Path parameters over the defaults below (e.g. B's own name for a route that creates). */
  params?: Record<string, string>;
  body?: object | ((f: Fixture) => object);
  /** A multipart upload instead of a JSON body. */
  upload?: { fields: Record<string, string>; file: Buffer; filename: string };
  /** A query string for the call. */
  query?: string;
  /** Raw bytes with this content type instead of a JSON body. */
  raw?: { contentType: string; data: Buffer | string };
}

/** Public routes: the route walk in routes-guarded.e2e-spec.ts proves they hold nothing. */
const PUBLIC = new Set([
  'GET /api/v1/ping',
  'GET /health',
  'GET /health/live',
  'GET /metrics',
  'POST /api/v1/auth/login',
  'GET /console/login',
  'POST /console/login',
  'GET /console/static/:file',
]);

const ONNX = readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.onnx'));
const IRIS = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.expected.json'), 'utf8'),
) as { X: number[][] };

/** A value only A's data holds: no answer to B may contain it. */
const MARKER = `a-secret-${randomBytes(6).toString('hex')}`;
const OWN = 'b-own';
/** The folder SQL references may name SQLite files in (OMEGA_SQL_SQLITE_DIRS). */
const SQLITE_DIR = mkdtempSync(join(tmpdir(), 'omega-matrix-sqlite-'));

function notebook(source: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'typescript', language: 'typescript' } },
      cells: [{ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null }],
    }),
  );
}
const SCRIPT = Buffer.from(`exports.run = () => ({ marker: '${MARKER}' });\n`);
const NOTEBOOK = notebook(`'${MARKER}'`);

const MATRIX: Record<string, Entry> = {
  // Accounts: B's own session, keys and config; A's key ids are unknown to B.
  'POST /api/v1/auth/logout': { outcome: 'own' },
  'GET /api/v1/auth/me': { outcome: 'own' },
  'GET /api/v1/auth/keys': { outcome: 'own' },
  'POST /api/v1/auth/keys': { outcome: 'own', body: { name: OWN } },
  'DELETE /api/v1/auth/keys/:id': { outcome: 'hidden' },
  'GET /api/v1/config': { outcome: 'own' },
  // Platform administration: a tenant's admin is not a platform admin.
  'GET /api/v1/admin/tenants': { outcome: 'forbidden' },
  'POST /api/v1/admin/tenants': { outcome: 'forbidden', body: { name: 'b_made' } },
  'GET /api/v1/admin/tenants/:name': { outcome: 'forbidden' },
  'POST /api/v1/admin/tenants/:name/disable': { outcome: 'forbidden' },
  'POST /api/v1/admin/tenants/:name/enable': { outcome: 'forbidden' },
  'GET /api/v1/admin/users': { outcome: 'forbidden' },
  'POST /api/v1/admin/users': {
    outcome: 'forbidden',
    body: { userid: 'b-made', password: 'b-made-password-1' },
  },
  'GET /api/v1/admin/users/:userid': { outcome: 'forbidden' },
  'POST /api/v1/admin/users/:userid/disable': { outcome: 'forbidden' },
  'POST /api/v1/admin/users/:userid/enable': { outcome: 'forbidden' },
  'PUT /api/v1/admin/users/:userid/memberships/:tenant': { outcome: 'forbidden', body: { role: 'admin' } },
  'DELETE /api/v1/admin/users/:userid/memberships/:tenant': { outcome: 'forbidden' },
  'GET /api/v1/admin/keys': { outcome: 'forbidden' },
  'POST /api/v1/admin/keys': { outcome: 'forbidden', body: { userid: 'x', tenant: 'tenant_a' } },
  'DELETE /api/v1/admin/keys/:id': { outcome: 'forbidden' },
  'PUT /api/v1/admin/keys/:id/limits': { outcome: 'forbidden', body: { limits: {} } },
  'GET /api/v1/admin/audit': { outcome: 'forbidden' },
  // Datasets (tables, documents, SQL references share the name space).
  'GET /api/v1/dataset': { outcome: 'own' },
  'POST /api/v1/dataset/sql': { outcome: 'own', body: { sql: 'SELECT 1 AS one' } },
  'GET /api/v1/dataset/:name/metadata': { outcome: 'hidden' },
  'GET /api/v1/dataset/:name': { outcome: 'hidden' },
  'PUT /api/v1/dataset/:name': { outcome: 'own', params: { name: OWN }, body: { data: [{ x: 1 }] } },
  'DELETE /api/v1/dataset/:name': { outcome: 'hidden' },
  'POST /api/v1/dataset/:name/query': { outcome: 'hidden', body: { filter: {} } },
  'POST /api/v1/dataset/:name/copy': { outcome: 'hidden', body: { to: OWN } },
  'POST /api/v1/dataset/:name/convert': { outcome: 'hidden', body: { kind: 'table.rows' } },
  // Files.
  'GET /api/v1/file': { outcome: 'own' },
  'GET /api/v1/file/:name/metadata': { outcome: 'hidden' },
  'PUT /api/v1/file/:name': {
    outcome: 'own',
    params: { name: OWN },
    raw: { contentType: 'text/plain', data: 'B wrote this' },
  },
  'GET /api/v1/file/:name': { outcome: 'hidden' },
  'HEAD /api/v1/file/:name': { outcome: 'hidden' },
  'DELETE /api/v1/file/:name': { outcome: 'hidden' },
  // Models and their runs.
  'GET /api/v1/model': { outcome: 'own' },
  'POST /api/v1/model': { outcome: 'own', body: { name: OWN, algorithm: 'knn' } },
  'GET /api/v1/model/:name/versions': { outcome: 'hidden' },
  'POST /api/v1/model/:name/promote': { outcome: 'hidden', body: { to: 'other' } },
  'GET /api/v1/model/:name': { outcome: 'hidden' },
  'DELETE /api/v1/model/:name': { outcome: 'hidden' },
  'PUT /api/v1/model/:name/:action': { outcome: 'hidden', body: { data: IRIS.X } },
  'POST /api/v1/model/:name/:action': { outcome: 'hidden', body: { data: IRIS.X } },
  // Model names with a raw `/` in the path (omega-ml routes them; the action is the last segment).
  'GET /api/v1/model/*path': { outcome: 'hidden', params: { path: 'proj/shared' } },
  'DELETE /api/v1/model/*path': { outcome: 'hidden', params: { path: 'proj/shared' } },
  'PUT /api/v1/model/*path': {
    outcome: 'hidden',
    params: { path: 'proj/shared/predict' },
    body: { data: IRIS.X },
  },
  'POST /api/v1/model/*path': {
    outcome: 'hidden',
    params: { path: 'proj/shared/predict' },
    body: { data: IRIS.X },
  },
  // Tracking: a model's link to an experiment, and the experiments themselves.
  'PUT /api/v1/model/:name/track': { outcome: 'hidden', body: { experiment: OWN } },
  'GET /api/v1/model/:name/track': { outcome: 'hidden' },
  'DELETE /api/v1/model/:name/track': { outcome: 'hidden' },
  'POST /api/v1/model/:name/monitor': { outcome: 'hidden', body: { baseline: 'shared' } },
  'PUT /api/v1/model/:name/monitor': {
    outcome: 'hidden',
    body: { baseline: 'shared', schedule: '0 4 * * *' },
  },
  'GET /api/v1/model/:name/monitor': { outcome: 'hidden' },
  'DELETE /api/v1/model/:name/monitor': { outcome: 'hidden' },
  'GET /api/v1/experiment': { outcome: 'own' },
  'POST /api/v1/experiment': { outcome: 'own', body: { name: OWN } },
  'GET /api/v1/experiment/:name': { outcome: 'hidden' },
  'DELETE /api/v1/experiment/:name': { outcome: 'hidden' },
  'GET /api/v1/experiment/:name/runs': { outcome: 'hidden' },
  'POST /api/v1/experiment/:name/runs': { outcome: 'hidden', body: {} },
  'GET /api/v1/experiment/:name/runs/:run': { outcome: 'hidden' },
  'POST /api/v1/experiment/:name/runs/:run/end': { outcome: 'hidden', body: {} },
  'POST /api/v1/experiment/:name/runs/:run/log': { outcome: 'hidden', body: { params: { x: 1 } } },
  'GET /api/v1/experiment/:name/compare': { outcome: 'hidden', query: 'runs=1,2' },
  'GET /api/v1/experiment/:name/metrics/:key': {
    outcome: 'hidden',
    params: { key: 'loss' },
    query: 'runs=1',
  },
  'GET /api/v1/experiment/:name/data': { outcome: 'hidden' },
  // The service API: signatures on A's objects, and calls of A's services.
  'PUT /api/v1/service/:name/signature': { outcome: 'hidden', body: { X: { type: 'object' } } },
  'GET /api/v1/service/:name/signature': { outcome: 'hidden' },
  'DELETE /api/v1/service/:name/signature': { outcome: 'hidden' },
  'GET /api/v1/service/:name/doc': { outcome: 'hidden' },
  'POST /api/v1/service/:name/:action': { outcome: 'hidden', params: { action: 'run' }, body: {} },
  'GET /api/service/*path': { outcome: 'hidden', params: { path: 'shared' } },
  'GET /api/v1/service/*path': { outcome: 'hidden', params: { path: 'shared' } },
  'PUT /api/service/*path': { outcome: 'hidden', params: { path: 'shared' }, body: {} },
  'PUT /api/v1/service/*path': { outcome: 'hidden', params: { path: 'shared' }, body: {} },
  'POST /api/service/*path': { outcome: 'hidden', params: { path: 'shared/run' }, body: {} },
  'POST /api/v1/service/*path': { outcome: 'hidden', params: { path: 'shared/run' }, body: {} },
  'DELETE /api/service/*path': { outcome: 'hidden', params: { path: 'shared' } },
  'DELETE /api/v1/service/*path': { outcome: 'hidden', params: { path: 'shared' } },
  // The cloud manager: platform admins only.
  'GET /api/v1/cloud/status': { outcome: 'forbidden' },
  'GET /api/v1/cloud/workers': { outcome: 'forbidden' },
  'PUT /api/v1/cloud/workers/:label': {
    outcome: 'forbidden',
    params: { label: 'default' },
    body: { replicas: 0 },
  },
  'POST /api/v1/cloud/workers': { outcome: 'forbidden', body: { label: 'b-label' } },
  'POST /api/v1/cloud/tenants': { outcome: 'forbidden', body: { name: 'b_made' } },
  'POST /api/v1/cloud/tenants/:name/disable': { outcome: 'forbidden', params: { name: 'tenant_a' } },
  'POST /api/v1/cloud/tenants/:name/enable': { outcome: 'forbidden', params: { name: 'tenant_a' } },
  'POST /api/v1/cloud/tenants/:name/remove': {
    outcome: 'forbidden',
    params: { name: 'tenant_a' },
    body: { confirm: 'tenant_a' },
  },
  'GET /api/v1/cloud/config': { outcome: 'forbidden' },
  'GET /api/v1/cloud/config/:name': { outcome: 'forbidden', params: { name: 'OMEGA_RATE_LIMIT_API' } },
  'PUT /api/v1/cloud/config/:name': {
    outcome: 'forbidden',
    params: { name: 'OMEGA_RATE_LIMIT_API' },
    body: { value: '0' },
  },
  // Tasks and the runtime.
  'GET /api/v1/task/:id/status': { outcome: 'hidden' },
  'GET /api/v1/task/:id/result': { outcome: 'hidden' },
  'GET /api/v1/runtime/workers': { outcome: 'own' },
  'GET /api/v1/runtime/ping': { outcome: 'own' },
  // Scripts.
  'GET /api/v1/script': { outcome: 'own' },
  'PUT /api/v1/script': {
    outcome: 'own',
    upload: { fields: { name: OWN }, file: Buffer.from('exports.run = () => 1;\n'), filename: 'own.js' },
  },
  'POST /api/v1/script': {
    outcome: 'own',
    upload: { fields: { name: OWN }, file: Buffer.from('exports.run = () => 1;\n'), filename: 'own.js' },
  },
  'GET /api/v1/script/:name': { outcome: 'hidden' },
  'DELETE /api/v1/script/:name': { outcome: 'hidden' },
  'GET /api/v1/script/:name/source': { outcome: 'hidden' },
  'POST /api/v1/script/:name/run': { outcome: 'hidden' },
  'POST /api/v1/script/*path': { outcome: 'hidden', params: { path: 'proj/shared/run' } },
  // Notebook jobs and their schedules.
  'GET /api/v1/job': { outcome: 'own' },
  'PUT /api/v1/job': {
    outcome: 'own',
    upload: { fields: { name: OWN }, file: notebook('1'), filename: `${OWN}.ipynb` },
  },
  'POST /api/v1/job': {
    outcome: 'own',
    upload: { fields: { name: OWN }, file: notebook('1'), filename: `${OWN}.ipynb` },
  },
  'GET /api/v1/job/:name/notebook': { outcome: 'hidden' },
  'GET /api/v1/job/:name': { outcome: 'hidden' },
  'DELETE /api/v1/job/:name': { outcome: 'hidden' },
  'POST /api/v1/job/:name/run': { outcome: 'hidden' },
  'POST /api/v1/job/*path': { outcome: 'hidden', params: { path: 'proj/shared/run' } },
  'GET /api/v1/job/*path': { outcome: 'hidden', params: { path: 'proj/shared' } },
  'PUT /api/v1/job/:name/schedule': { outcome: 'hidden', body: { text: 'daily at 05:00' } },
  'GET /api/v1/job/:name/schedule': { outcome: 'hidden' },
  'DELETE /api/v1/job/:name/schedule': { outcome: 'hidden' },
  'GET /api/v1/job/:name/schedule/triggers': { outcome: 'hidden' },
  // The console, called with B's API key (the pages take the same credentials as the API).
  'POST /console/logout': { outcome: 'own' },
  'GET /console': { outcome: 'own' },
  'GET /console/keys': { outcome: 'own' },
  'POST /console/keys': { outcome: 'own', body: { name: OWN } },
  'GET /console/keys/tenant': { outcome: 'own' },
  'POST /console/keys/:id/revoke': { outcome: 'hidden' },
  'GET /console/datasets': { outcome: 'own' },
  'GET /console/models': { outcome: 'own' },
  'GET /console/files': { outcome: 'own' },
  'GET /console/datasets/:name': { outcome: 'hidden' },
  'GET /console/models/:name': { outcome: 'hidden' },
  'GET /console/files/:name': { outcome: 'hidden' },
  'GET /console/files/:name/download': { outcome: 'hidden' },
  'GET /console/tasks': { outcome: 'own' },
  'GET /console/tasks/:id': { outcome: 'hidden' },
  'GET /console/workers': { outcome: 'own' },
  'GET /console/scripts': { outcome: 'own' },
  'GET /console/scripts/:name': { outcome: 'hidden' },
  'POST /console/scripts/:name/run': { outcome: 'hidden' },
  'GET /console/jobs': { outcome: 'own' },
  'GET /console/jobs/:name': { outcome: 'hidden' },
  'GET /console/jobs/:name/results/:result': { outcome: 'hidden' },
  'POST /console/jobs/:name/run': { outcome: 'hidden' },
  'POST /console/jobs/:name/schedule': { outcome: 'hidden', body: { text: 'daily at 05:00' } },
  'POST /console/jobs/:name/schedule/drop': { outcome: 'hidden' },
  'GET /console/experiments': { outcome: 'own' },
  'GET /console/experiments/:name': { outcome: 'hidden' },
  'GET /console/experiments/:name/compare': { outcome: 'hidden', query: 'runs=1&runs=2' },
  'GET /console/experiments/:name/charts/:file': { outcome: 'hidden', params: { file: 'curves.svg' } },
  'GET /console/experiments/*path': { outcome: 'hidden', params: { path: 'proj/shared' } },
  'GET /console/models/:name/monitor': { outcome: 'hidden' },
  'GET /console/models/:name/monitor/charts/:file': { outcome: 'hidden', params: { file: 'drift.csv' } },
  'GET /console/models/*path': { outcome: 'hidden', params: { path: 'proj/shared/monitor' } },
  'GET /console/sql': { outcome: 'own' },
  'GET /console/sql/:name': { outcome: 'hidden', params: { name: 'sharedsql' } },
  'GET /console/users': { outcome: 'own' },
  'POST /console/users': { outcome: 'own', body: { userid: `${OWN}-user`, role: 'member' } },
  'POST /console/users/:userid/role': { outcome: 'hidden', body: { role: 'readonly' } },
  // A tenant's admin sees their own tenant and its audit trail only.
  'GET /console/tenants': { outcome: 'own' },
  'GET /console/audit': { outcome: 'own' },
  'GET /console/users/:userid': { outcome: 'hidden' },
  'POST /console/users/:userid/remove': { outcome: 'hidden' },
  // Users are accounts of the whole platform: disabling, enabling, passwords and key limits are for
  // platform admins only, whoever the user is.
  'POST /console/users/:userid/disable': { outcome: 'forbidden' },
  'POST /console/users/:userid/enable': { outcome: 'forbidden' },
  'POST /console/users/:userid/password': { outcome: 'forbidden', body: { password: 'B-chose-this-1234' } },
  'POST /console/users/:userid/keys/:id/limits': { outcome: 'forbidden', body: { requestsPerMinute: '1' } },
  'GET /console/tenant': { outcome: 'own' },
  // Moving B's session into A's tenant needs a membership there: B's own password does not do it.
  'POST /console/tenant': {
    outcome: 'refused',
    body: (f) => ({ tenant: 'tenant_a', password: f.b.password }),
  },
};

/** What A holds, read through A's own credentials. */
interface Fixture {
  a: TestPrincipal;
  b: TestPrincipal;
  /** Default path parameters: A's objects. */
  params: Record<string, string>;
}

async function makeFixture(t: TestApp): Promise<Fixture> {
  const a = await t.createPrincipal({
    tenant: 'tenant_a',
    role: 'admin',
    userid: `a-${randomBytes(3).toString('hex')}`,
  });
  const b = await t.createPrincipal({ tenant: 'tenant_b', role: 'admin' });
  await a.api
    .put('/api/v1/dataset/shared')
    .send({ data: [{ region: MARKER, units: 12 }] })
    .expect(200);
  await a.api
    .put('/api/v1/dataset/shareddocs')
    .send({ data: [{ doc: { note: MARKER } }], kind: 'json.docs' })
    .expect(200);
  await a.api
    .put('/api/v1/dataset/sharedsql')
    .send({
      sql: {
        url: sqliteFile(join(SQLITE_DIR, 'a.db'), 'CREATE TABLE IF NOT EXISTS t (x)').url,
        query: `SELECT '${MARKER}' AS marker`,
      },
    })
    .expect(200);
  await a.api.put('/api/v1/file/shared').set('Content-Type', 'text/plain').send(MARKER).expect(200);
  await a.api
    .post('/api/v1/model/')
    .field('name', 'shared')
    .field('attributes', JSON.stringify({ note: MARKER }))
    .attach('file', ONNX, 'iris.onnx')
    .expect(201);
  await a.api.post('/api/v1/script/').field('name', 'shared').attach('file', SCRIPT, 'shared.js').expect(201);
  await a.api
    .post('/api/v1/job/')
    .field('name', 'shared')
    .attach('file', NOTEBOOK, 'shared.ipynb')
    .expect(201);
  await a.api.put('/api/v1/job/shared/schedule').send({ text: 'daily at 04:00' }).expect(200);
  await a.api
    .post('/api/v1/model/')
    .field('name', 'proj/shared')
    .attach('file', ONNX, 'iris.onnx')
    .expect(201);
  await a.api
    .put('/api/v1/service/shared/signature')
    .send({ X: { type: 'object' } })
    .expect(200);
  await a.api.post('/api/v1/experiment').send({ name: 'shared' }).expect(201);
  await a.api
    .post('/api/v1/experiment/shared/runs')
    .send({ tags: { note: MARKER } })
    .expect(201);
  await a.api
    .post('/api/v1/experiment/shared/runs/1/log')
    .send({ params: { note: MARKER }, series: [{ key: 'loss', values: [1], steps: [0] }] })
    .expect(200);
  await a.api.put('/api/v1/model/shared/track').send({ experiment: 'shared' }).expect(200);
  await a.api
    .put('/api/v1/model/shared/monitor')
    .send({ baseline: 'shared', schedule: '0 4 * * *' })
    .expect(200);
  const run = await a.api.post('/api/v1/job/shared/run').expect(200);
  const task = (await a.api.get('/api/v1/runtime/ping').expect(200)).body.task_id as string;
  const keys = (await a.api.get('/api/v1/auth/keys').expect(200)).body as
    { id: string }[] | { keys: { id: string }[] };
  const keyId = (Array.isArray(keys) ? keys : keys.keys)[0].id;
  return {
    a,
    b,
    params: {
      name: 'shared',
      action: 'predict',
      id: task,
      userid: a.userid,
      tenant: 'tenant_a',
      result: String(run.body.result_name ?? run.body.name ?? 'shared'),
      keyid: keyId,
      run: '1',
    },
  };
}

function concrete(route: Route, entry: Entry, params: Record<string, string>): string {
  const values = { ...params, ...entry.params };
  // Key routes name a key id, task routes a task id.
  const keyRoute = /\/keys\/:id/.test(route.path);
  const path = route.path
    // A wildcard takes a path with its slashes as they are.
    .replace(/\*([A-Za-z_]+)/g, (_m, name: string) => values[name] ?? 'shared')
    .replace(/:([A-Za-z_]+)/g, (_m, name: string) =>
      encodeURIComponent(name === 'id' && keyRoute ? values.keyid : (values[name] ?? 'shared')),
    );
  return entry.query ? `${path}?${entry.query}` : path;
}

async function call(f: Fixture, route: Route, entry: Entry, url: string) {
  let req = f.b.api[route.method.toLowerCase() as 'get'](url);
  if (entry.upload) {
    for (const [key, value] of Object.entries(entry.upload.fields)) req = req.field(key, value);
    return req.attach('file', entry.upload.file, entry.upload.filename);
  }
  if (entry.raw) return req.set('Content-Type', entry.raw.contentType).send(entry.raw.data);
  if (route.method === 'GET' || route.method === 'HEAD' || route.method === 'DELETE') return req;
  return req.send(typeof entry.body === 'function' ? entry.body(f) : (entry.body ?? {}));
}

/** Everything of A's, read through A's credentials. */
async function snapshot(t: TestApp, f: Fixture) {
  const a = f.a.api;
  const read = async (path: string) => {
    const answer = await a.get(path).buffer(true);
    return {
      status: answer.status,
      body: answer.body && Object.keys(answer.body).length ? answer.body : answer.text,
    };
  };
  return {
    datasets: await read('/api/v1/dataset/'),
    table: await read('/api/v1/dataset/shared?orient=records'),
    docs: await read('/api/v1/dataset/shareddocs'),
    sql: await read('/api/v1/dataset/sharedsql/metadata'),
    file: await read('/api/v1/file/shared'),
    model: await read('/api/v1/model/shared/versions'),
    script: await read('/api/v1/script/shared/source'),
    job: await read('/api/v1/job/shared/notebook'),
    schedule: await read('/api/v1/job/shared/schedule'),
    task: await read(`/api/v1/task/${f.params.id}/result`),
    slashModel: await read('/api/v1/model/proj%2Fshared/versions'),
    signature: await read('/api/v1/service/shared/signature'),
    experiment: await read('/api/v1/experiment/shared/runs'),
    tracked: await read('/api/v1/model/shared/track'),
    monitor: await read('/api/v1/model/shared/monitor'),
    // Without the time each key was last used, which A's own reads here move.
    keys: JSON.parse(
      JSON.stringify((await a.get('/api/v1/auth/keys').expect(200)).body, (field, value) =>
        field === 'lastUsedAt' ? undefined : value,
      ),
    ),
    // Without the rate counters, which these very reads move.
    me: { ...(await a.get('/api/v1/auth/me').expect(200)).body, limits: undefined },
    user: (await t.api.get(`/api/v1/admin/users/${f.params.userid}`).expect(200)).body,
    tenant: (await t.api.get('/api/v1/admin/tenants/tenant_a').expect(200)).body,
  };
}

interface Mode {
  name: string;
  broker: boolean;
  accountsOnPostgres: boolean;
}

const MODES: Mode[] = [
  { name: 'embedded', broker: false, accountsOnPostgres: false },
  { name: 'broker mode with a worker', broker: true, accountsOnPostgres: false },
  { name: 'accounts on PostgreSQL', broker: false, accountsOnPostgres: true },
];

afterAll(() => rmSync(SQLITE_DIR, { recursive: true, force: true }));

describe.each(MODES)('the tenant matrix ($name)', (mode) => {
  let t: TestApp;
  let worker: WorkerProcess | undefined;
  let accounts: TestSqlDatabase | undefined;
  let fixture: Fixture;

  beforeAll(async () => {
    accounts = mode.accountsOnPostgres ? await createTestSqlDatabase('postgres') : undefined;
    t = await startTestApp({
      broker: mode.broker,
      config: { sqlSqliteDirs: [SQLITE_DIR], ...(accounts ? { sqlUrl: accounts.url } : {}) },
    });
    if (mode.broker) worker = await startWorker(t.config, { env: { OMEGA_API_URL: t.url } });
    fixture = await makeFixture(t);
  });

  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await accounts?.drop();
  });

  it("answers every route as the matrix says, and leaves A's objects as they were", async () => {
    const routes = routesOf(t).filter((route) => !PUBLIC.has(`${route.method} ${route.path}`));
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    // A route without an entry fails here: add it to MATRIX, knowingly. (The calls below still run, so
    // one run shows everything that is off.)
    const unlisted = keys.filter((key) => !(key in MATRIX) && !key.startsWith('GET /api/docs'));
    const stale = Object.keys(MATRIX).filter((key) => !keys.includes(key));

    const before = await snapshot(t, fixture);
    // The snapshot reads A's objects (not refusals that would compare equal whatever happened).
    const unread = Object.entries(before).filter(
      ([, value]) => typeof value === 'object' && 'status' in value && value.status !== 200,
    );
    expect(unread).toEqual([]);
    const wrong: string[] = [];
    const counts: Record<Outcome, number> = { hidden: 0, forbidden: 0, refused: 0, own: 0 };
    // What only A's answers may name: A's data, A's user and A's tenant.
    const aOnly = [MARKER, fixture.a.userid, 'tenant_a'];
    const ordered = [...routes].sort((x, y) => rank(x) - rank(y));
    for (const route of ordered) {
      const key = `${route.method} ${route.path}`;
      const entry = MATRIX[key];
      if (!entry) continue;
      const url = concrete(route, entry, fixture.params);
      const answer = await call(fixture, route, entry, url);
      const text = answer.text ?? '';
      const expected = STATUS[entry.outcome];
      const ok = expected ? answer.status === expected : answer.status < 500;
      if (!ok)
        wrong.push(`${key} → ${url}: ${answer.status} (expected ${entry.outcome}) ${text.slice(0, 160)}`);
      // A refusal may echo what B asked for (A's user name in B's URL); an answer in B's own tenant may not
      // name anything of A's at all.
      const leaked = entry.outcome === 'own' ? aOnly.filter((value) => text.includes(value)) : [];
      if (text.includes(MARKER) && !leaked.includes(MARKER)) leaked.push(MARKER);
      if (leaked.length) wrong.push(`${key} → ${url}: the answer names ${leaked.join(', ')} (A's)`);
      counts[entry.outcome] += 1;
    }
    expect({ unlisted, stale, wrong }).toEqual({ unlisted: [], stale: [], wrong: [] });
    expect(await snapshot(t, fixture)).toEqual(before);
    const total = counts.hidden + counts.forbidden + counts.refused + counts.own;
    // Printed for the record: how many route × method cases this mode ran.
    process.stdout.write(
      `tenant matrix (${mode.name}): ${total} route × method cases — ${counts.hidden} hidden (404), ` +
        `${counts.forbidden} forbidden (403), ${counts.refused} refused (401), ${counts.own} in B's own tenant\n`,
    );
    expect(total).toBe(Object.keys(MATRIX).length);
  });
});

const STATUS: Record<Outcome, number | undefined> = {
  hidden: 404,
  forbidden: 403,
  refused: 401,
  own: undefined,
};

/**
 * The audit trail is read first, before B's own refused attempts (which it records, naming what B asked
 * for) are in it; routes that end B's session or change B's own key go last.
 */
function rank(route: Route): number {
  if (route.path.endsWith('/audit')) return -1;
  return /logout|\/keys/.test(route.path) ? 1 : 0;
}
