import type { CloudStatus, LiveSetting, WorkerPoolAnswer } from '@omega/client';
import { Command } from 'commander';
import { createInterface } from 'node:readline';
import { printRecord, printTable, UsageError } from '../output';
import type { CommandContext } from './context';

/** `om cloud …`: the cloud manager, for platform admins. Every command is audited and answers `--json`. */
export function addCloud(program: Command, { connect, show }: CommandContext): void {
  const cloud = program
    .command('cloud')
    .description('the cloud manager: status, worker pools, tenants, live settings (platform admins)');

  cloud
    .command('status')
    .description('services reachable, workers per label with heartbeats, queue depths, managers, tenants')
    .action(async (_options, command: Command) => {
      const status = await (await connect(command)).cloud.status();
      show(command, status, () => printStatus(status));
    });

  const workers = cloud.command('workers').description('worker pools, one per label');
  workers
    .command('list')
    .description('pools as asked for and as the manager left them')
    .action(async (_options, command: Command) => {
      const pools = await (await connect(command)).cloud.pools();
      show(command, pools, () => printTable(pools.map(poolRow), POOL_COLUMNS));
    });
  workers
    .command('scale <label> <replicas>')
    .description("set a label's workers; with KEDA, <replicas> is the lower bound")
    .option('--max <n>', 'with KEDA: the upper bound', (value) => whole(value, '--max'))
    .option('--wait <seconds>', 'how long to wait for the workers to be ready (0-300, default 60)', waitValue)
    .action(
      async (label: string, replicas: string, options: { max?: number; wait?: number }, command: Command) => {
        const om = await connect(command);
        const answer = await om.cloud.scale(label, whole(replicas, '<replicas>'), {
          maxReplicas: options.max,
          waitSeconds: options.wait,
        });
        show(command, answer, () => printPool(answer));
      },
    );
  workers
    .command('add-label <label>')
    .description('a pool for a new label')
    .option('--replicas <n>', 'workers to start (default 1)', (value) => whole(value, '--replicas'))
    .option('--wait <seconds>', 'how long to wait for the workers to be ready (0-300, default 60)', waitValue)
    .action(async (label: string, options: { replicas?: number; wait?: number }, command: Command) => {
      const om = await connect(command);
      const answer = await om.cloud.addLabel(label, {
        replicas: options.replicas,
        waitSeconds: options.wait,
      });
      show(command, answer, () => printPool(answer));
    });

  const tenants = cloud.command('tenants').description('tenants with their database, admin and key');
  tenants
    .command('add <name>')
    .description("a tenant, its database and indexes, an admin (new or existing user) and the admin's key")
    .requiredOption('--admin <userid>', "the tenant's admin")
    .option('--password-stdin', "read a new admin's password from the first line of stdin")
    .action(async (name: string, options: { admin: string; passwordStdin?: boolean }, command: Command) => {
      const password = options.passwordStdin ? await firstLine() : undefined;
      const added = await (await connect(command)).cloud.addTenant(name, { userid: options.admin, password });
      show(command, added, () =>
        printRecord({
          tenant: added.tenant.name,
          database: added.database,
          admin: `${added.admin.userid}${added.admin.created ? ' (new user)' : ''}`,
          'key id': added.keyId,
          apikey: `${added.apikey}   (shown this once)`,
        }),
      );
    });
  for (const [verb, help] of [
    ['disable', 'its keys and logins stop at once; its data stays'],
    ['enable', 'a disabled tenant works again'],
  ] as const) {
    tenants
      .command(`${verb} <name>`)
      .description(help)
      .action(async (name: string, _options, command: Command) => {
        const om = await connect(command);
        const tenant =
          verb === 'disable' ? await om.cloud.disableTenant(name) : await om.cloud.enableTenant(name);
        show(command, tenant, () => printRecord({ tenant: tenant.name, disabled: tenant.disabled }));
      });
  }
  tenants
    .command('remove <name>')
    .description('disable, revoke its keys, remove its members and drop its databases')
    .option('--confirm <name>', 'the tenant name again: removal drops its data')
    .action(async (name: string, options: { confirm?: string }, command: Command) => {
      if (options.confirm !== name)
        throw new UsageError(`removing ${name} drops its data: repeat its name with --confirm ${name}`);
      const removed = await (await connect(command)).cloud.removeTenant(name, options.confirm);
      show(command, removed, () =>
        printRecord({
          tenant: removed.tenant,
          'databases dropped': removed.databasesDropped.join(', ') || '(none)',
          'keys revoked': removed.keysRevoked,
          'members removed': removed.membershipsRemoved,
        }),
      );
    });

  const config = cloud.command('config').description('settings that change while the platform runs');
  config
    .command('get [name]')
    .description('all live settings, or one')
    .action(async (name: string | undefined, _options, command: Command) => {
      const settings = await (await connect(command)).cloud.config(name);
      show(command, name === undefined ? settings : settings[0], () => printSettings(settings));
    });
  config
    .command('set <name> <value>')
    .description('change a live setting (a whole number within its range)')
    .action(async (name: string, value: string, _options, command: Command) => {
      if (!/^-?\d{1,10}$/.test(value)) throw new UsageError(`${name} takes a whole number, not ${value}`);
      const setting = await (await connect(command)).cloud.setConfig(name, Number(value));
      show(command, setting, () => printSettings([setting]));
    });
}

const POOL_COLUMNS = ['label', 'wanted', 'running', 'ready', 'state', 'driver', 'requested by', 'error'];

function poolRow({ pool, state }: WorkerPoolAnswer): Record<string, unknown> {
  return {
    label: pool.label,
    wanted: pool.maxReplicas !== undefined ? `${pool.replicas}..${pool.maxReplicas}` : pool.replicas,
    running: pool.applied?.running ?? '-',
    ready: pool.applied?.ready ?? '-',
    state,
    driver: pool.applied?.driver ?? '-',
    'requested by': pool.requestedBy,
    error: pool.applied?.error ?? '',
  };
}

function printPool(answer: WorkerPoolAnswer): void {
  printTable([poolRow(answer)], POOL_COLUMNS);
  if (answer.state === 'pending')
    process.stdout.write('the manager has not finished yet: `om cloud workers list` shows when it has\n');
}

function printStatus(status: CloudStatus): void {
  const services = Object.entries(status.services).map(([name, check]) => ({
    service: name,
    status: check.status,
    ms: check.ms,
    error: check.error ?? '',
  }));
  printTable(services, ['service', 'status', 'ms', 'error']);
  process.stdout.write('\n');
  printTable(
    status.managers.map((m) => ({
      manager: m.id,
      driver: m.driver,
      leader: m.leader ? 'yes' : 'no',
      seen: m.seen,
    })),
    ['manager', 'driver', 'leader', 'seen'],
  );
  process.stdout.write('\n');
  const now = Date.now();
  printTable(
    status.labels.map((label) => ({
      label: label.label,
      workers: label.workers.length,
      'in flight': label.workers.reduce((sum, w) => sum + w.inFlight, 0),
      queued: label.queued ?? '-',
      'last heartbeat': label.workers.length
        ? `${Math.max(...label.workers.map((w) => Math.round((now - new Date(w.seen).getTime()) / 1000)))} s ago`
        : '-',
      pool: label.pool ? `${label.pool.pool.replicas} wanted, ${label.pool.state}` : '-',
    })),
    ['label', 'workers', 'in flight', 'queued', 'last heartbeat', 'pool'],
  );
  process.stdout.write(
    `\ntenants: ${status.tenants.total} (${status.tenants.disabled} disabled): ${status.tenants.names.join(', ')}\n`,
  );
}

function printSettings(settings: LiveSetting[]): void {
  printTable(
    settings.map((s) => ({
      name: s.name,
      value: s.value,
      source: s.source === 'set' ? `set by ${s.setBy}` : 'default',
      range: `${s.min}-${s.max}`,
      description: s.description,
    })),
    ['name', 'value', 'source', 'range', 'description'],
  );
}

function whole(value: string, what: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new UsageError(`${what} must be a whole number from 0 to 9999`);
  return Number(value);
}

function waitValue(value: string): number {
  const seconds = whole(value, '--wait');
  if (seconds > 300) throw new UsageError('--wait must be from 0 to 300 seconds');
  return seconds;
}

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new UsageError('--password-stdin: stdin is empty');
}
