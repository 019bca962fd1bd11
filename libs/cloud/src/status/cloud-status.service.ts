import { Inject, Injectable } from '@nestjs/common';
import { Actor, AuditService, TenantsService } from '@omega/accounts';
import { OMEGA_CONFIG, OmegaConfig, TenantDatabases } from '@omega/core';
import { BrokerConnection, taskQueueName, WorkerDirectory } from '@omega/runtime';
import { ManagerLease, type ManagerView } from '../manager/manager-lease';
import { WorkerPoolsService, type PoolAnswer } from '../pools/worker-pools.service';

export interface ServiceCheck {
  status: 'up' | 'down' | 'in-process';
  ms: number;
  /** Why it is down (the error's message, never a URL or a credential). */
  error?: string;
}

export interface LabelStatus {
  label: string;
  /** Messages waiting; null when the queue does not exist yet or the broker is down. */
  queued: number | null;
  workers: {
    id: string;
    host: string;
    pid: number;
    concurrency: number;
    inFlight: number;
    processed: number;
    started: Date;
    /** The last heartbeat. */
    seen: Date;
  }[];
  /** The manager's pool of this label, if it has one. */
  pool?: PoolAnswer;
}

export interface CloudStatus {
  services: { mongodb: ServiceCheck; broker: ServiceCheck; accounts: ServiceCheck };
  managers: ManagerView[];
  labels: LabelStatus[];
  tenants: { total: number; disabled: number; names: string[] };
}

/** Messages waiting per label; `null` for a label whose queue does not exist yet (no task was ever sent). */
type QueueDepths = Record<string, number | null>;

/** How long the status waits for the broker before calling it down. */
const BROKER_WAIT_MS = 3_000;

/** How many tenants the status names (all are counted). */
const TENANT_NAMES = 100;

/** The platform at a glance, for platform admins: reachability, workers by label, queues, tenants. */
@Injectable()
export class CloudStatusService {
  constructor(
    private readonly databases: TenantDatabases,
    private readonly directory: WorkerDirectory,
    private readonly broker: BrokerConnection,
    private readonly tenants: TenantsService,
    private readonly pools: WorkerPoolsService,
    private readonly lease: ManagerLease,
    private readonly audit: AuditService,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  /** Audited like every cloud command: who looked, and when. */
  status(by: Actor): Promise<CloudStatus> {
    return this.audit.audited(by, { action: 'cloud.status' }, () => this.read());
  }

  private async read(): Promise<CloudStatus> {
    const mongodb = await timed(() => this.databases.ping());
    const [workers, pools, managers] =
      mongodb.status === 'up'
        ? await Promise.all([this.directory.alive(), this.pools.current(), this.lease.alive()])
        : [[], [], []];
    const labels = [
      ...new Set(['default', ...pools.map((p) => p.pool.label), ...workers.flatMap((w) => w.labels)]),
    ].sort();
    let depths: QueueDepths = {};
    const broker = this.config.brokerUrl
      ? await timed(async () => {
          const peeked = await this.broker.peekQueueDepths(
            labels.map((label) => taskQueueName(this.config.mongoDbPrefix, label)),
            BROKER_WAIT_MS,
          );
          depths = Object.fromEntries(
            labels.map((label) => [
              label,
              peeked.get(taskQueueName(this.config.mongoDbPrefix, label)) ?? null,
            ]),
          );
        })
      : { status: 'in-process' as const, ms: 0 };
    let tenants: CloudStatus['tenants'] = { total: 0, disabled: 0, names: [] };
    const accounts = await timed(async () => {
      tenants = await this.tenantSummary();
    });
    return {
      services: { mongodb, broker, accounts },
      managers,
      labels: labels.map((label) => ({
        label,
        queued: depths[label] ?? null,
        workers: workers
          .filter((w) => w.labels.includes(label))
          .map(({ id, host, pid, concurrency, inFlight, processed, started, seen }) => ({
            id,
            host,
            pid,
            concurrency,
            inFlight,
            processed,
            started,
            seen,
          })),
        pool: pools.find((p) => p.pool.label === label),
      })),
      tenants,
    };
  }

  private async tenantSummary(): Promise<CloudStatus['tenants']> {
    let total = 0;
    let seen = 0;
    let disabled = 0;
    const names: string[] = [];
    let after: string | undefined;
    do {
      // The page size is capped by the accounts paging; the cursor walks all tenants to count the disabled.
      const page = await this.tenants.page({ after, limit: 500 });
      total = page.total;
      if (page.items.length === 0) break;
      seen += page.items.length;
      for (const tenant of page.items) {
        if (tenant.disabled) disabled += 1;
        if (names.length < TENANT_NAMES) names.push(tenant.name);
      }
      after = page.items[page.items.length - 1].name;
    } while (seen < total);
    return { total, disabled, names };
  }
}

async function timed(check: () => Promise<unknown>): Promise<ServiceCheck> {
  const started = Date.now();
  try {
    await check();
    return { status: 'up', ms: Date.now() - started };
  } catch (error) {
    // Driver messages can carry a host name but not credentials; cut them short all the same.
    return {
      status: 'down',
      ms: Date.now() - started,
      error: String((error as Error).message).slice(0, 200),
    };
  }
}
