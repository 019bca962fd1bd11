import { HttpClient } from './http';
import type { components } from './generated/openapi';

type Schemas = components['schemas'];
export type CloudStatus = Schemas['CloudStatusDto'];
export type WorkerPoolAnswer = Schemas['PoolAnswerDto'];
export type AddedTenant = Schemas['AddedTenantDto'];
export type RemovedTenant = Schemas['RemovedTenantDto'];
export type CloudTenant = Schemas['CloudTenantDto'];
export type LiveSetting = Schemas['LiveSettingDto'];

/** How long a pool command waits for the manager to report the workers ready (the API's default is 60 s). */
export interface PoolWaitOptions {
  waitSeconds?: number;
}

/**
 * `om.cloud`: the cloud manager (platform admins only; every call is audited). Pool changes are carried out
 * by the manager process: an answer whose `state` is `pending` came back before the workers were ready.
 */
export class Cloud {
  constructor(private readonly http: HttpClient) {}

  status(): Promise<CloudStatus> {
    return this.http.get<CloudStatus>('/api/v1/cloud/status');
  }

  async pools(): Promise<WorkerPoolAnswer[]> {
    return (await this.http.get<Schemas['PoolListDto']>('/api/v1/cloud/workers')).pools;
  }

  /** Workers wanted for a label's pool; with KEDA (kubernetes) `replicas` is the lower bound. */
  scale(
    label: string,
    replicas: number,
    options: PoolWaitOptions & { maxReplicas?: number } = {},
  ): Promise<WorkerPoolAnswer> {
    return this.http.put<WorkerPoolAnswer>('/api/v1/cloud/workers/{label}', {
      path: { label },
      query: { wait: options.waitSeconds },
      json: { replicas, ...(options.maxReplicas !== undefined ? { maxReplicas: options.maxReplicas } : {}) },
    });
  }

  /** A pool for a label no pool serves yet (1 worker unless `replicas` says otherwise). */
  addLabel(label: string, options: PoolWaitOptions & { replicas?: number } = {}): Promise<WorkerPoolAnswer> {
    return this.http.post<WorkerPoolAnswer>('/api/v1/cloud/workers', {
      query: { wait: options.waitSeconds },
      json: { label, ...(options.replicas !== undefined ? { replicas: options.replicas } : {}) },
    });
  }

  /** A tenant with its database and an admin (a new user, or an existing one); the key is shown once. */
  addTenant(name: string, admin: { userid: string; password?: string }): Promise<AddedTenant> {
    return this.http.post<AddedTenant>('/api/v1/cloud/tenants', {
      json: {
        name,
        admin: admin.userid,
        ...(admin.password !== undefined ? { password: admin.password } : {}),
      },
    });
  }

  disableTenant(name: string): Promise<CloudTenant> {
    return this.http.post<CloudTenant>('/api/v1/cloud/tenants/{name}/disable', { path: { name } });
  }

  enableTenant(name: string): Promise<CloudTenant> {
    return this.http.post<CloudTenant>('/api/v1/cloud/tenants/{name}/enable', { path: { name } });
  }

  /** Drops the tenant's data: `confirm` must repeat its name. */
  removeTenant(name: string, confirm: string): Promise<RemovedTenant> {
    return this.http.post<RemovedTenant>('/api/v1/cloud/tenants/{name}/remove', {
      path: { name },
      json: { confirm },
    });
  }

  /** The live settings, or one of them. */
  async config(name?: string): Promise<LiveSetting[]> {
    if (name === undefined)
      return (await this.http.get<Schemas['LiveSettingListDto']>('/api/v1/cloud/config')).settings;
    return [await this.http.get<LiveSetting>('/api/v1/cloud/config/{name}', { path: { name } })];
  }

  setConfig(name: string, value: number): Promise<LiveSetting> {
    return this.http.put<LiveSetting>('/api/v1/cloud/config/{name}', { path: { name }, json: { value } });
  }
}
