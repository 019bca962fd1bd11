import { MongoClient, type Collection, type Db, type Document, type Filter } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startCpuSampler } from '../support/process-cpu';

/**
 * What FerretDB costs per asynchronous task record when N records go in one `insertMany` as N documents
 * (as omega_tasks / omega_task_outcomes store them) versus as one "page" document holding the N records,
 * and what finding one task costs in each layout: by `_id`, by a multikey index on the page's array of
 * task ids, or by an id that names its page (`<page>.<n>`, the page's `_id` as a prefix).
 *
 * It measures a FerretDB of its own, never the shared one: start one on another port over its own
 * PostgreSQL database and pass both, e.g.
 *
 *   ferretdb --handler=postgresql --postgresql-url=postgres://omega:omega@127.0.0.1:5432/ferretdb_pages \
 *     --listen-addr=127.0.0.1:27099 --state-dir=/tmp/fdb-pages --telemetry=disable --debug-addr=-
 *   npx ts-node --transpile-only bench/runtime/record-pages.ts \
 *     --url mongodb://127.0.0.1:27099/ --ferretdb-pid <its pid> --pg-database ferretdb_pages
 *
 * `--tasks` (10000) records of each kind per layout and size, `--sizes` (10,50,100,500), `--lookups` (300)
 * finds per way. Measured at load 8 to 17 with 20,000 tasks: pages cost 0.94× to 1.28× what documents do
 * (FerretDB + PostgreSQL CPU per task); what a task costs depends on N (the round trip), not the layout.
 *
 * CPU is read from /proc: the FerretDB process, and the PostgreSQL backends serving its database. Each
 * lookup also prints the plan PostgreSQL chose: FerretDB 1.24 pushes an equality filter down as
 * `_jsonb->'field' @> value`, which its btree indexes on `_jsonb->'field'` (`_id`'s included) cannot
 * serve, so a find by `_id` or by an indexed array reads the whole table.
 */

interface Options {
  url: string;
  ferretdbPid: number;
  pgDatabase: string;
  tasks: number;
  sizes: number[];
  lookups: number;
}

function readOptions(argv: string[]): Options {
  const value = (name: string, fallback?: string): string => {
    const index = argv.indexOf(`--${name}`);
    const found = index >= 0 ? argv[index + 1] : fallback;
    if (found === undefined) throw new Error(`--${name} is required`);
    return found;
  };
  return {
    url: value('url', 'mongodb://127.0.0.1:27099/'),
    ferretdbPid: Number(value('ferretdb-pid')),
    pgDatabase: value('pg-database', 'ferretdb_pages'),
    tasks: Number(value('tasks', '10000')),
    sizes: value('sizes', '10,50,100,500').split(',').map(Number),
    lookups: Number(value('lookups', '300')),
  };
}

/** A PENDING record as TaskRecordsRepository.insertPending writes it (a `runtime.ping` submit). */
function pendingRecord(id: string, submitted: Date): Stored {
  return {
    _id: id,
    bucket: 'omega',
    action: 'runtime.ping',
    label: 'default',
    argsSummary: { args: [], kwargs: { delay_ms: 0 } },
    submitted,
    status: 'PENDING',
    attempts: 0,
  };
}

/** A first outcome as TaskRecordsRepository.insertFirstOutcomes writes it. */
function outcomeRecord(id: string, submitted: Date): Stored {
  const started = new Date(submitted.getTime() + 2);
  const finished = new Date(submitted.getTime() + 3);
  return {
    ...pendingRecord(id, submitted),
    settled: 'PENDING',
    status: 'SUCCESS',
    attempts: 1,
    worker: 'worker-3f2a9c1e',
    started,
    finished,
    durationMs: 1,
    resultJson: '{"pong":true,"delay_ms":0}',
  };
}

type Layout = 'documents' | 'pages';

/** A stored document: records, outcomes and pages are all keyed by a string. */
type Stored = Document & { _id: string };

interface WriteFigures {
  layout: Layout;
  kind: 'record' | 'outcome';
  size: number;
  tasks: number;
  seconds: number;
  ferretdbCpuMs: number;
  postgresCpuMs: number;
}

/**
 * Writes `tasks` records of one kind, `size` per round trip, one round trip at a time (as WriteBatch
 * does per tenant database): N documents per `insertMany`, or one page document per `insertOne`.
 */
async function measureWrites(
  db: Db,
  options: Options,
  layout: Layout,
  kind: WriteFigures['kind'],
  size: number,
): Promise<WriteFigures> {
  const name = `${kind}_${layout}_${size}`;
  await db
    .collection(name)
    .drop()
    .catch(() => undefined);
  await db.createCollection(name);
  const collection = db.collection<Stored>(name);
  if (layout === 'documents') await collection.createIndex({ submitted: -1 });
  else await collection.createIndex({ ids: 1 });
  const make = kind === 'record' ? pendingRecord : outcomeRecord;
  // Warm-up round trips open the pool's connections before the CPU is sampled.
  const write = async (submitted: Date) => {
    if (layout === 'documents') {
      const documents = Array.from({ length: size }, () => make(randomUUID(), submitted));
      await collection.insertMany(documents, { ordered: false });
    } else {
      const page = randomUUID();
      const records = Array.from({ length: size }, (_, n) => make(`${page}.${n}`, submitted));
      await collection.insertOne({ _id: page, ids: records.map((record) => record._id), records });
    }
  };
  await Promise.all([write(new Date()), write(new Date())]);
  const sample = startCpuSampler({
    ferretdb: (process) => process.pid === options.ferretdbPid,
    postgres: (process) => process.comm === 'postgres' && servesDatabase(process.pid, options.pgDatabase),
  });
  if (!sample) throw new Error('/proc is needed to measure CPU');
  const started = process.hrtime.bigint();
  for (let written = 0; written < options.tasks; written += size) {
    await write(new Date());
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const use = sample();
  return {
    layout,
    kind,
    size,
    tasks: options.tasks,
    seconds,
    ferretdbCpuMs: use.cpuSeconds.ferretdb * 1000,
    postgresCpuMs: use.cpuSeconds.postgres * 1000,
  };
}

interface LookupFigures {
  how: string;
  size: number;
  medianMs: number;
  p95Ms: number;
  plan: string;
}

/** Times `lookups` finds of random tasks, one at a time; answers the median and 95th percentile. */
async function timeLookups(
  count: number,
  ids: string[],
  find: (id: string) => Promise<unknown>,
): Promise<{ medianMs: number; p95Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = ids[Math.floor(Math.random() * ids.length)];
    const started = process.hrtime.bigint();
    const found = await find(id);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!found) throw new Error(`task ${id} not found`);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], p95Ms: times[Math.floor(times.length * 0.95)] };
}

/** What FerretDB says of a find: whether its filter went to PostgreSQL and which scan answered. */
async function planOf(db: Db, collection: string, filter: Document): Promise<string> {
  const explained = (await db.command({
    explain: { find: collection, filter },
    verbosity: 'queryPlanner',
  })) as {
    filterPushdown?: boolean;
    queryPlanner?: unknown;
  };
  const text = JSON.stringify(explained.queryPlanner ?? explained);
  const scan = /Index Scan|Index Only Scan|Bitmap Heap Scan|Seq Scan/.exec(text)?.[0] ?? 'unknown scan';
  return `${scan}${explained.filterPushdown === false ? ', filter not pushed down' : ''}`;
}

async function measureLookups(db: Db, options: Options, size: number): Promise<LookupFigures[]> {
  const documents = db.collection<Stored>(`record_documents_${size}`);
  const pages = db.collection<Stored>(`record_pages_${size}`);
  const documentIds = (await documents.find({}, { projection: { _id: 1 } }).toArray()).map((document) =>
    String(document._id),
  );
  const pageIds = (await pages.find({}, { projection: { ids: 1 } }).toArray()).flatMap(
    (page) => page.ids as string[],
  );
  const figures: LookupFigures[] = [];
  const add = async (
    how: string,
    collection: Collection<Stored>,
    ids: string[],
    filterOf: (id: string) => Filter<Stored>,
  ) => {
    const timed = await timeLookups(options.lookups, ids, (id) =>
      collection.findOne(filterOf(id), { projection: { _id: 1 } }),
    );
    figures.push({
      how,
      size,
      ...timed,
      plan: await planOf(db, collection.collectionName, filterOf(ids[1])),
    });
  };
  await add('documents by _id', documents, documentIds, (id) => ({ _id: id }));
  await add('pages by ids (index on the array)', pages, pageIds, (id) => ({ ids: id }));
  await add('pages by page id prefix', pages, pageIds, (id) => ({ _id: id.slice(0, id.lastIndexOf('.')) }));
  // The record itself out of its page (what a task's read needs): the page whole, or one element.
  const timed = await timeLookups(options.lookups, pageIds, async (id) => {
    const page = await pages.findOne({ _id: id.slice(0, id.lastIndexOf('.')) });
    return (page?.records as Document[] | undefined)?.find((record) => record._id === id);
  });
  const plan = await planOf(db, pages.collectionName, {
    _id: pageIds[1].slice(0, pageIds[1].lastIndexOf('.')),
  });
  figures.push({ how: 'pages: the record out of its page', size, ...timed, plan });
  return figures;
}

/** Whether a PostgreSQL process serves `database` (a backend's title: `postgres: <cluster>: <user> <db> …`). */
function servesDatabase(pid: number, database: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(' ').includes(database);
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (!Number.isInteger(options.ferretdbPid) || options.ferretdbPid <= 0) throw new Error('--ferretdb-pid');
  const client = await new MongoClient(options.url, { serverSelectionTimeoutMS: 5000 }).connect();
  const db = client.db('omega_record_pages_bench');
  try {
    await db.dropDatabase();
    const writes: WriteFigures[] = [];
    for (const size of options.sizes) {
      for (const kind of ['record', 'outcome'] as const) {
        for (const layout of ['documents', 'pages'] as const) {
          const figures = await measureWrites(db, options, layout, kind, size);
          writes.push(figures);
          console.log(
            [
              `${kind.padEnd(7)} ${layout.padEnd(9)} N=${String(size).padStart(3)}`,
              `${Math.round(figures.tasks / figures.seconds)
                .toLocaleString('en-US')
                .padStart(7)} tasks/s`,
              `FerretDB ${(figures.ferretdbCpuMs / figures.tasks).toFixed(3)} ms CPU/task`,
              `PostgreSQL ${(figures.postgresCpuMs / figures.tasks).toFixed(3)} ms CPU/task`,
            ].join('  '),
          );
        }
      }
    }
    console.log('\nratio documents/pages (FerretDB + PostgreSQL CPU per task):');
    for (const size of options.sizes) {
      for (const kind of ['record', 'outcome'] as const) {
        const cpu = (layout: Layout) => {
          const found = writes.find((w) => w.size === size && w.kind === kind && w.layout === layout);
          return found ? (found.ferretdbCpuMs + found.postgresCpuMs) / found.tasks : NaN;
        };
        console.log(
          `  ${kind.padEnd(7)} N=${String(size).padStart(3)}  ${(cpu('documents') / cpu('pages')).toFixed(2)}×`,
        );
      }
    }
    console.log('\nlookups of one task (one at a time):');
    for (const size of options.sizes) {
      for (const figure of await measureLookups(db, options, size)) {
        console.log(
          `  N=${String(size).padStart(3)}  ${figure.how.padEnd(36)} median ${figure.medianMs.toFixed(2)} ms  p95 ${figure.p95Ms.toFixed(2)} ms  (${figure.plan})`,
        );
      }
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
