import { tenantDatabaseName } from '@omega/core';
import { MongoClient } from 'mongodb';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

const TASK_OF_NOBODY = '00000000-0000-4000-8000-000000000000';

/** A TypeScript notebook with one cell: enough for the jobs kind to store it. */
const NOTEBOOK = Buffer.from(
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'typescript', language: 'typescript' } },
    cells: [{ cell_type: 'code', source: '1 + 1', metadata: {}, outputs: [], execution_count: null }],
  }),
);

/**
 * Reads in a qualifier (environment) nobody wrote to yet: tried as an attacker would, 20 GETs with 20 new
 * `Qualifier` values used to leave 20 tenant databases behind. Reads answer as an empty store and create
 * nothing; a member's first write creates the qualifier's database.
 */
describe('qualifiers: reads never create databases', () => {
  let t: TestApp;
  let member: TestPrincipal;
  let reader: TestPrincipal;
  let mongo: MongoClient;

  /** This deployment's databases, listed by the MongoDB driver on its own connection. */
  async function databases(): Promise<string[]> {
    const { databases: all } = await mongo.db('admin').admin().listDatabases({ nameOnly: true });
    return all
      .map(({ name }) => name)
      .filter(
        (name) =>
          name.startsWith(`${t.config.mongoDbPrefix}_`) || name.startsWith(`${t.config.mongoDbPrefix}-`),
      )
      .sort();
  }

  beforeAll(async () => {
    t = await startTestApp();
    member = await t.createPrincipal({ tenant: 'acme' });
    reader = await t.createPrincipal({ tenant: 'acme', role: 'readonly' });
    mongo = await new MongoClient(t.config.mongoUrl as string).connect();
    // Something in the default qualifier, so its database exists before the reads below.
    await member.api
      .put('/api/v1/dataset/sales')
      .send({ data: [{ region: 'EU', units: 12 }] })
      .expect(200);
    await member.api.post('/api/v1/job/').field('name', 'nightly').attach('file', NOTEBOOK, 'nightly.ipynb');
  });

  afterAll(async () => {
    await mongo?.close();
    await t?.close();
  });

  /** Every read a member or a readonly user can make, with what it answers in an empty qualifier. */
  const READS: [path: string, status: number, objects?: boolean][] = [
    ['/api/v1/dataset/', 200, true],
    ['/api/v1/model/', 200, true],
    ['/api/v1/file/', 200, true],
    ['/api/v1/job/', 200, true],
    ['/api/v1/script/', 200, true],
    ['/api/v1/dataset/sales', 404],
    ['/api/v1/dataset/sales/metadata', 404],
    ['/api/v1/model/iris', 404],
    ['/api/v1/model/iris/versions', 404],
    ['/api/v1/file/notes.txt', 404],
    ['/api/v1/file/notes.txt/metadata', 404],
    ['/api/v1/job/nightly', 404],
    ['/api/v1/job/nightly/notebook', 404],
    ['/api/v1/job/nightly/schedule', 404],
    ['/api/v1/job/nightly/schedule/triggers', 404],
    ['/api/v1/script/etl', 404],
    ['/api/v1/script/etl/source', 404],
    [`/api/v1/task/${TASK_OF_NOBODY}/status`, 404],
    [`/api/v1/task/${TASK_OF_NOBODY}/result`, 404],
  ];

  it('answers 20 new qualifiers as empty stores (200 empty lists, 404 named objects) and creates no database', async () => {
    const before = await databases();
    expect(before).toContain(tenantDatabaseName(t.config.mongoDbPrefix, 'acme'));
    for (let i = 0; i < 20; i++) {
      const qualifier = `probe${i}`;
      const who = i % 2 === 0 ? member : reader;
      for (const [path, status, objects] of READS) {
        const answer = await who.api.get(path).set('Qualifier', qualifier);
        expect({ path, qualifier, status: answer.status }).toEqual({ path, qualifier, status });
        if (objects) expect(answer.body).toMatchObject({ objects: [] });
      }
      const head = await who.api.head('/api/v1/file/notes.txt').set('Qualifier', qualifier);
      expect(head.status).toBe(404);
    }
    expect(await databases()).toEqual(before);
  });

  it("creates nothing for a readonly user's GET in a new qualifier, nor for the write it is refused", async () => {
    const before = await databases();
    await reader.api.get('/api/v1/dataset/').set('Qualifier', 'readonly_new').expect(200);
    await reader.api.get('/api/v1/dataset/sales').set('Qualifier', 'readonly_new').expect(404);
    await reader.api
      .put('/api/v1/dataset/sales')
      .set('Qualifier', 'readonly_new')
      .send({ data: [{ region: 'US', units: 1 }] })
      .expect(403);
    expect(await databases()).toEqual(before);
  });

  it("creates a qualifier's database with a member's first write, and the data reads back there only", async () => {
    const before = await databases();
    const database = tenantDatabaseName(t.config.mongoDbPrefix, 'acme', 'staging');
    expect(before).not.toContain(database);
    await member.api
      .put('/api/v1/dataset/staged')
      .set('Qualifier', 'staging')
      .send({ data: [{ region: 'CH', units: 3 }] })
      .expect(200);
    expect(await databases()).toEqual([...before, database].sort());

    const back = await reader.api.get('/api/v1/dataset/staged?orient=records').set('Qualifier', 'staging');
    expect(back.status).toBe(200);
    expect(back.body).toEqual([{ region: 'CH', units: 3 }]);
    const listed = await member.api.get('/api/v1/dataset/').set('Qualifier', 'staging').expect(200);
    expect(listed.body.objects.map((o: { name: string }) => o.name)).toEqual(['staged']);
    await member.api.get('/api/v1/dataset/staged').expect(404);
    // The new database carries the Metadata indexes: a second put of the same name replaces, never duplicates.
    const indexes = await mongo.db(database).collection('metadata').indexes();
    expect(indexes.map((index) => index.name)).toEqual(expect.arrayContaining(['bucket_prefix_name']));
  });
});

describe('schedule routes of a job that does not exist', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await t.api
      .post('/api/v1/job/')
      .field('name', 'nightly')
      .attach('file', NOTEBOOK, 'nightly.ipynb')
      .expect(201);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 404 for the triggers, the schedule and its removal; an existing job answers its triggers', async () => {
    const triggers = await t.api.get('/api/v1/job/missing/schedule/triggers');
    expect(triggers.status).toBe(404);
    expect(triggers.body).toMatchObject({ code: 'NOT_FOUND' });
    expect(triggers.body.message).toContain('missing');
    await t.api.get('/api/v1/job/missing/schedule').expect(404);
    await t.api.delete('/api/v1/job/missing/schedule').expect(404);
    await t.api.put('/api/v1/job/missing/schedule').send({ cron: '0 6 * * *' }).expect(404);
    await t.api.get('/api/v1/job/bad%20name%00/schedule/triggers').expect(400);

    const existing = await t.api.get('/api/v1/job/nightly/schedule/triggers').expect(200);
    expect(existing.body).toEqual({ name: 'nightly', triggers: [] });

    // Dropped: its trigger history is no longer served over REST.
    await t.api.delete('/api/v1/job/nightly').expect(200);
    await t.api.get('/api/v1/job/nightly/schedule/triggers').expect(404);
  });
});
