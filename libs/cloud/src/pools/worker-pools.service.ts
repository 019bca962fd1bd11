import { Injectable } from '@nestjs/common';
import { Actor, AuditService } from '@omega/accounts';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveSettings } from '../settings/live-settings';
import { assertPoolLabel, type WorkerPool } from './worker-pool';
import { WorkerPoolsRepository } from './worker-pools.repository';

const POLL_MS = 250;
export const MAX_WAIT_SECONDS = 300;

/** `done`: the manager carried the request out and the workers are ready; `pending`: not yet. */
export type PoolRequestState = 'done' | 'pending' | 'failed';

export interface PoolAnswer {
  pool: WorkerPool;
  state: PoolRequestState;
}

/**
 * Worker-pool requests as the API takes them: checked, recorded for the manager and audited, then
 * (optionally) waited for until the manager reports the workers ready.
 */
@Injectable()
export class WorkerPoolsService {
  constructor(
    private readonly pools: WorkerPoolsRepository,
    private readonly settings: LiveSettings,
    private readonly audit: AuditService,
  ) {}

  list(by: Actor): Promise<PoolAnswer[]> {
    return this.audit.audited(by, { action: 'cloud.workers.list' }, () => this.current());
  }

  /** The pools as they stand, unaudited: for answers that are themselves audited (the status). */
  async current(): Promise<PoolAnswer[]> {
    return (await this.pools.list()).map((pool) => ({ pool, state: stateOf(pool, pool.generation) }));
  }

  /** INVALID_INPUT for a bad label or a count above `workers.maxReplicas`; NOT_FOUND for an unknown pool. */
  async scale(
    label: string,
    wanted: { replicas: number; maxReplicas?: number },
    waitSeconds: number,
    by: Actor,
  ): Promise<PoolAnswer> {
    const details = { replicas: wanted.replicas, maxReplicas: wanted.maxReplicas };
    const requested = await this.audit.audited(
      by,
      { action: 'cloud.workers.scale', object: String(label), details },
      async () => {
        assertPoolLabel(label);
        await this.checkBounds(wanted);
        if (!(await this.pools.get(label))) {
          throw OmegaError.notFound(`Worker pool ${label} (add it with workers add-label)`);
        }
        return this.pools.request(label, wanted, by.actor);
      },
    );
    return this.await(requested, waitSeconds);
  }

  /** A pool for a new label, with `replicas` workers (1 unless given); ALREADY_EXISTS for a known one. */
  async addLabel(label: string, replicas: number, waitSeconds: number, by: Actor): Promise<PoolAnswer> {
    const requested = await this.audit.audited(
      by,
      { action: 'cloud.workers.add_label', object: String(label), details: { replicas } },
      async () => {
        assertPoolLabel(label);
        await this.checkBounds({ replicas });
        if (await this.pools.get(label)) {
          throw new OmegaError(OmegaErrorCode.AlreadyExists, `Worker pool ${label} exists; scale it instead`);
        }
        return this.pools.request(label, { replicas }, by.actor);
      },
    );
    return this.await(requested, waitSeconds);
  }

  private async checkBounds(wanted: { replicas: number; maxReplicas?: number }): Promise<void> {
    const most = await this.settings.value('workers.maxReplicas');
    const { replicas, maxReplicas } = wanted;
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > most) {
      throw OmegaError.invalidInput(
        `replicas must be a whole number from 0 to ${most} (workers.maxReplicas)`,
      );
    }
    if (
      maxReplicas !== undefined &&
      (!Number.isInteger(maxReplicas) || maxReplicas < replicas || maxReplicas > most)
    ) {
      throw OmegaError.invalidInput(`maxReplicas must be a whole number from ${replicas} to ${most}`);
    }
  }

  private async await(requested: WorkerPool, waitSeconds: number): Promise<PoolAnswer> {
    const deadline = Date.now() + Math.min(Math.max(waitSeconds, 0), MAX_WAIT_SECONDS) * 1000;
    let pool = requested;
    for (;;) {
      const state = stateOf(pool, requested.generation);
      if (state !== 'pending' || Date.now() >= deadline) return { pool, state };
      await sleep(POLL_MS);
      pool = (await this.pools.get(requested.label)) ?? pool;
    }
  }
}

/** A later request by someone else counts as this one being carried out: the pool moved past it. */
function stateOf(pool: WorkerPool, generation: number): PoolRequestState {
  const applied = pool.applied;
  if (!applied || applied.generation < generation) return 'pending';
  if (applied.error !== undefined && applied.generation === generation) return 'failed';
  return applied.ready >= pool.replicas ? 'done' : 'pending';
}
