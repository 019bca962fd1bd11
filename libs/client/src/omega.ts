import { inspect } from 'node:util';
import { Admin } from './admin';
import { Cloud } from './cloud';
import { CredentialOptions, DEFAULT_URL, resolveCredentials } from './credentials';
import { Datasets } from './datasets';
import { Files } from './files';
import { HttpClient } from './http';
import { Jobs } from './jobs';
import { Models } from './models';
import { Runtime } from './runtime';
import { Scripts } from './scripts';
import type { ClientConfig, WhoAmI } from './types';

export interface ConnectOptions extends CredentialOptions {
  /** The bucket to work in (the `Bucket` header); the platform's `default` when absent. */
  bucket?: string;
  /** The tenant's environment (the `Qualifier` header); `default` when absent. */
  qualifier?: string;
  /** Ask the platform who we are before answering (default true): bad credentials fail here, not later. */
  verify?: boolean;
  /**
   * A Bearer token instead of an API key: a login's JWT, or the short-lived one a script or notebook run
   * is given. The URL comes from `url`, else `OMEGA_URL`; no credentials file is read.
   */
  token?: string;
  /**
   * The tenant, when the caller knows it already and skips `verify`: only what `om.tenant` shows, since
   * the server takes the tenant from the credential.
   */
  tenant?: string;
}

/**
 * The omega-ts platform as one object, as omega-ml's `om`:
 *
 * ```ts
 * const om = await Omega.connect();
 * await om.datasets.put([{ x: 1 }], 'sample');
 * const prod = om.bucket('prod');
 * ```
 */
export class Omega {
  readonly datasets: Datasets;
  readonly files: Files;
  readonly models: Models;
  readonly scripts: Scripts;
  readonly jobs: Jobs;
  readonly runtime: Runtime;
  /** Platform administration (platform admins only). */
  readonly admin: Admin;
  /** The cloud manager: status, worker pools, tenants, live settings (platform admins only). */
  readonly cloud: Cloud;
  readonly #http: HttpClient;
  readonly #tenant?: string;

  private constructor(http: HttpClient, tenant?: string) {
    this.#http = http;
    this.#tenant = tenant;
    this.datasets = new Datasets(http);
    this.files = new Files(http);
    this.models = new Models(http);
    this.scripts = new Scripts(http);
    this.jobs = new Jobs(http);
    this.runtime = new Runtime(http);
    this.admin = new Admin(http);
    this.cloud = new Cloud(http);
  }

  /**
   * Connects with explicit options, else `OMEGA_URL` / `OMEGA_USERID` / `OMEGA_APIKEY`, else the
   * credentials.json the API writes at its first start (in `$OMEGA_DATA_DIR` or `./.omega`).
   */
  static async connect(options: ConnectOptions = {}): Promise<Omega> {
    const scope = { bucket: options.bucket, qualifier: options.qualifier };
    let http: HttpClient;
    let tenant: string | undefined;
    if (options.token !== undefined) {
      const url = options.url ?? (options.env ?? process.env).OMEGA_URL ?? DEFAULT_URL;
      http = new HttpClient(url.replace(/\/+$/, ''), { token: options.token }, scope);
    } else {
      const credentials = resolveCredentials(options);
      http = new HttpClient(
        credentials.url,
        { userid: credentials.userid, apikey: credentials.apikey },
        scope,
      );
      tenant = credentials.tenant;
    }
    if (options.verify === false) return new Omega(http, options.tenant ?? tenant);
    const config = await http.get<ClientConfig>('/api/v1/config');
    return new Omega(http, config.tenant);
  }

  get url(): string {
    return this.#http.baseUrl;
  }

  get userid(): string {
    return this.#http.userid;
  }

  /** The tenant the API key belongs to (known once connected with `verify`). */
  get tenant(): string | undefined {
    return this.#tenant;
  }

  get bucketName(): string {
    return this.#http.scope.bucket ?? 'default';
  }

  get qualifierName(): string {
    return this.#http.scope.qualifier ?? 'default';
  }

  /** The same connection working in another bucket: `om.bucket('prod').models.list()`. */
  bucket(name: string): Omega {
    return new Omega(this.#http.withScope({ bucket: name }), this.#tenant);
  }

  /** The same connection working in another environment of the tenant (its own database). */
  qualifier(name: string): Omega {
    return new Omega(this.#http.withScope({ qualifier: name }), this.#tenant);
  }

  /** The platform's settings for this client: URL, tenant, role, worker labels, server version. */
  config(): Promise<ClientConfig> {
    return this.#http.get<ClientConfig>('/api/v1/config');
  }

  /** Who the credentials speak for, with their rate limits and use in the current window. */
  me(): Promise<WhoAmI> {
    return this.#http.get<WhoAmI>('/api/v1/auth/me');
  }

  /** Who this client is, without its key: safe to log. */
  toJSON(): Record<string, string | undefined> {
    return {
      url: this.url,
      userid: this.userid,
      tenant: this.tenant,
      bucket: this.bucketName,
      qualifier: this.qualifierName,
    };
  }

  [inspect.custom](): string {
    return `Omega ${inspect(this.toJSON())}`;
  }
}
