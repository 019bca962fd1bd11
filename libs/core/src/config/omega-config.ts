import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { join, resolve } from 'node:path';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

/**
 * The environment as the platform reads it. Every variable is optional where a sane default exists, so
 * `npm start` on a laptop needs none of them; a deployment sets the URLs.
 */
export class OmegaEnvironment {
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'must be a mongodb:// or mongodb+srv:// URL' })
  OMEGA_MONGO_URL?: string;

  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]{0,19}$/, { message: 'must be 1-20 lowercase letters, digits or _' })
  OMEGA_MONGO_DB_PREFIX?: string;

  @IsOptional()
  @Matches(/^amqps?:\/\/\S+$/, { message: 'must be an amqp:// or amqps:// URL' })
  OMEGA_BROKER_URL?: string;

  @IsOptional()
  @Matches(/^(postgres(ql)?|mysql|mariadb|mssql|sqlite):\/?\/?\S*$/, {
    message: 'must be a postgres://, mysql://, mariadb://, mssql:// or sqlite: URL',
  })
  OMEGA_SQL_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  OMEGA_SECRET_KEY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer port' })
  @Min(1)
  @Max(65535)
  OMEGA_API_PORT?: number;

  @IsOptional()
  @IsString()
  OMEGA_API_HOST?: string;

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]*(,[a-z0-9][a-z0-9_-]*)*$/, {
    message: 'must be a comma-separated list of labels (lowercase letters, digits, - and _)',
  })
  OMEGA_WORKER_LABELS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1024)
  OMEGA_WORKER_CONCURRENCY?: number;

  @IsOptional()
  @IsString()
  OMEGA_DATA_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer port' })
  @Min(1)
  @Max(65535)
  OMEGA_EMBEDDED_MONGO_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of bytes' })
  @Min(1024)
  OMEGA_MAX_JSON_BYTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of bytes' })
  @Min(1024)
  OMEGA_MAX_UPLOAD_BYTES?: number;

  /** How long a synchronous REST call waits for its task before answering 504 (the task keeps running). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  @Max(86400)
  OMEGA_TASK_TIMEOUT_SECONDS?: number;

  /** Deliveries of one task before it is declared poison: FAILURE record, dead-letter queue. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(100)
  OMEGA_TASK_MAX_ATTEMPTS?: number;

  /** Hours a finished task's record is kept after it finished; 0 keeps them forever. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of hours (0: keep forever)' })
  @Min(0)
  @Max(100_000)
  OMEGA_TASK_RETENTION_HOURS?: number;

  /** Tasks of one tenant handed to workers at once (per API process); the tenant's next ones wait. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(100_000)
  OMEGA_TENANT_MAX_RUNNING?: number;

  /** Tasks of one tenant waiting for a running slot (per API process); one more is answered 429. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(1_000_000)
  OMEGA_TENANT_MAX_QUEUED?: number;

  /** The first administrator, created on the first start (see BootstrapAdminService). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9.@+_-]{0,149}$/, {
    message: 'must be 1-150 letters, digits or . @ + - _, starting with a letter or digit',
  })
  OMEGA_ADMIN_USERID?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  OMEGA_ADMIN_PASSWORD?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._~+/=-]{32,256}$/, {
    message: 'must be 32-256 characters of letters, digits and . _ ~ + / = -',
  })
  OMEGA_ADMIN_APIKEY?: string;

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_]{0,39}$/, { message: 'must be 1-40 lowercase letters, digits or _' })
  OMEGA_ADMIN_TENANT?: string;

  /** Lifetime of a login token (Bearer JWT and console session cookie). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(60)
  @Max(30 * 86400)
  OMEGA_SESSION_TTL_SECONDS?: number;

  /** Requests per principal (API key or login) per window; 0 switches the limit off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  OMEGA_RATE_LIMIT_API?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  @Max(86400)
  OMEGA_RATE_LIMIT_API_WINDOW_SECONDS?: number;

  /** Login attempts per client address and userid per window; 0 switches the limit off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  OMEGA_RATE_LIMIT_LOGIN?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  @Max(86400)
  OMEGA_RATE_LIMIT_LOGIN_WINDOW_SECONDS?: number;

  /** Uploads (dataset and file writes) per principal per API window; 0 switches the limit off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  OMEGA_RATE_LIMIT_UPLOADS?: number;

  /** API keys made per principal per API window; 0 switches the limit off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  OMEGA_RATE_LIMIT_KEYS?: number;

  /** Refused credentials per client address per API window, then 429; 0 switches the limit off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  OMEGA_RATE_LIMIT_BAD_CREDENTIALS?: number;

  /** Limits per role, e.g. `readonly.api=6000,member.uploads=100` (limit names: api, uploads, keys). */
  @IsOptional()
  @Matches(
    /^((admin|member|readonly)\.(api|uploads|keys)=\d{1,9})(,(admin|member|readonly)\.(api|uploads|keys)=\d{1,9})*$/,
    {
      message:
        'must be role.limit=number pairs separated by commas (roles admin, member, readonly; limits api, uploads, keys)',
    },
  )
  OMEGA_RATE_LIMITS_BY_ROLE?: string;

  /** Resolved principals kept per process (least recently used go first); 0 switches the cache off. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  OMEGA_PRINCIPAL_CACHE_SIZE?: number;

  /** The longest a resolved principal is reused without reading the accounts database again. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(0)
  @Max(3600)
  OMEGA_PRINCIPAL_CACHE_MAX_AGE_SECONDS?: number;

  /** The URL clients reach the API under (behind a proxy); the config service answers it. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'must be an http:// or https:// URL' })
  OMEGA_PUBLIC_URL?: string;

  /** Hops of reverse proxies to trust for the client address and https (Express `trust proxy`). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of proxy hops' })
  @Min(0)
  @Max(10)
  OMEGA_TRUST_PROXY?: number;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  OMEGA_LOG_LEVEL?: 'error' | 'warn' | 'log' | 'debug' | 'verbose';

  /** How often the manager looks for due schedules. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  @Max(3600)
  OMEGA_SCHEDULE_TICK_SECONDS?: number;

  /** After manager downtime: `once` runs a missed schedule once, `skip` waits for its next time. */
  @IsOptional()
  @IsIn(['once', 'skip'])
  OMEGA_SCHEDULE_CATCH_UP?: 'once' | 'skip';

  /** The API as workers reach it (scripts and notebooks call it back with a scoped token). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'must be an http:// or https:// URL' })
  OMEGA_API_URL?: string;

  /** Wall-clock limit of one script or notebook run. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  @Max(86400)
  OMEGA_SCRIPT_TIMEOUT_SECONDS?: number;

  /** Memory limit of one script or notebook run (V8 heap, and the process's resident size). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of MiB' })
  @Min(32)
  @Max(65536)
  OMEGA_SCRIPT_MEMORY_MB?: number;

  /**
   * How user code is isolated: `namespaces` (default: own network and PID namespaces, an unprivileged
   * user) or `none` (no isolation at all: user code reaches the network and every service; unsafe).
   */
  @IsOptional()
  @IsIn(['namespaces', 'none'])
  OMEGA_SCRIPT_ISOLATION?: 'namespaces' | 'none';

  /** Hosts a script's `fetch` may reach through the platform (comma-separated names). Empty: none. */
  @IsOptional()
  @Matches(/^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(,[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)*)?$/, {
    message: 'must be a comma-separated list of host names',
  })
  OMEGA_SCRIPT_EGRESS_HOSTS?: string;

  /** The largest message a sandbox child may send its worker (bytes). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of bytes' })
  @Min(64 * 1024)
  @Max(1024 * 1024 * 1024)
  OMEGA_SCRIPT_IPC_MAX_BYTES?: number;

  /**
   * The user (name or uid) that runs user code and the npm install of script uploads when the platform
   * runs as root. Default `nobody`.
   */
  @IsOptional()
  @Matches(/^([a-z_][a-z0-9_.-]{0,31}|[0-9]{1,10})$/i, { message: 'must be a user name or a numeric uid' })
  OMEGA_SCRIPT_USER?: string;

  /**
   * The npm registry script dependencies are installed from. Unset: the platform's own
   * `npm config get registry`, read once. An upload's own .npmrc is never read.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'must be an http:// or https:// URL' })
  OMEGA_NPM_REGISTRY?: string;

  /**
   * The database hosts SQL references may connect to: comma-separated names, `*.domain` for a domain's
   * hosts, addresses or CIDR ranges. Unset: any host whose addresses are all public (never loopback,
   * private, link-local, CGNAT, unspecified or multicast ones).
   */
  @IsOptional()
  @Matches(/^(\*\.)?[A-Za-z0-9_.:[\]/-]+(,(\*\.)?[A-Za-z0-9_.:[\]/-]+)*$/, {
    message: 'must be a comma-separated list of host names, addresses, CIDR ranges or *.domain patterns',
  })
  OMEGA_SQL_HOSTS?: string;

  /** The folders SQLite files of SQL references may be in (comma-separated absolute paths). Unset: none. */
  @IsOptional()
  @Matches(/^\/[^,]*(,\/[^,]*)*$/, { message: 'must be a comma-separated list of absolute paths' })
  OMEGA_SQL_SQLITE_DIRS?: string;

  /** How long one SQL reference statement may run (server-side where the database allows). */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  @Max(86400)
  OMEGA_SQL_TIMEOUT_SECONDS?: number;

  /** The most rows one read of a SQL reference answers when the request sets no limit. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of rows' })
  @Min(1)
  @Max(1_000_000_000)
  OMEGA_SQL_MAX_ROWS?: number;

  /** Where Parquet parts of columnar tables are cached on local disk; default `<data dir>/cache`. */
  @IsOptional()
  @IsString()
  OMEGA_CACHE_DIR?: string;

  /** The part cache's size cap in bytes; least recently used parts are removed past it. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of bytes' })
  @Min(1024 * 1024)
  OMEGA_CACHE_MAX_BYTES?: number;

  /** Memory DuckDB may use per process for table queries, in MiB. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of MiB' })
  @Min(64)
  @Max(1024 * 1024)
  OMEGA_DUCKDB_MEMORY_MB?: number;

  /** Threads DuckDB may use per process for table queries. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'must be a number of threads' })
  @Min(1)
  @Max(256)
  OMEGA_DUCKDB_THREADS?: number;
}

/** The validated, typed configuration handed to every part of the platform. */
export interface OmegaConfig {
  /** Absent means: start the embedded MongoDB-wire server under `dataDir`. */
  readonly mongoUrl?: string;
  readonly mongoDbPrefix: string;
  /** Absent means: run tasks in-process (embedded mode). */
  readonly brokerUrl?: string;
  readonly sqlUrl?: string;
  readonly secretKey?: string;
  readonly apiPort: number;
  readonly apiHost: string;
  readonly workerLabels: string[];
  readonly workerConcurrency: number;
  readonly dataDir: string;
  readonly embeddedMongoPort: number;
  readonly maxJsonBytes: number;
  readonly maxUploadBytes: number;
  readonly taskTimeoutSeconds: number;
  readonly taskMaxAttempts: number;
  /** Hours finished task records are kept; 0: forever. */
  readonly taskRetentionHours: number;
  readonly tenantMaxRunning: number;
  readonly tenantMaxQueued: number;
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  readonly adminUserid: string;
  /** Generated on first start when absent. */
  readonly adminPassword?: string;
  /** Generated on first start when absent. */
  readonly adminApikey?: string;
  readonly adminTenant: string;
  readonly sessionTtlSeconds: number;
  readonly rateLimitApi: number;
  readonly rateLimitApiWindowSeconds: number;
  readonly rateLimitLogin: number;
  readonly rateLimitLoginWindowSeconds: number;
  readonly rateLimitUploads: number;
  readonly rateLimitKeys: number;
  readonly rateLimitBadCredentials: number;
  /** `role.limit=n` pairs, see OMEGA_RATE_LIMITS_BY_ROLE. */
  readonly rateLimitsByRole: string;
  readonly principalCacheSize: number;
  readonly principalCacheMaxAgeSeconds: number;
  readonly publicUrl?: string;
  readonly trustProxy: number;
  readonly scheduleTickSeconds: number;
  readonly scheduleCatchUp: 'once' | 'skip';
  /** The API's URL as workers reach it (`http://127.0.0.1:<apiPort>` by default). */
  readonly apiUrl: string;
  readonly scriptTimeoutSeconds: number;
  readonly scriptMemoryMb: number;
  readonly scriptIsolation: 'namespaces' | 'none';
  /** Host names a script's fetch may reach (lowercase); empty: none. */
  readonly scriptEgressHosts: string[];
  readonly scriptIpcMaxBytes: number;
  /** Runs user code and script dependency installs when the platform is root. */
  readonly scriptUser: string;
  /** Where script dependencies come from; absent: the platform's own npm registry setting. */
  readonly npmRegistry?: string;
  /** Hosts SQL references may reach (names, `*.domain`, addresses, CIDR ranges); absent: public ones. */
  readonly sqlHosts?: string[];
  /** Folders SQLite references may read from (never the data directory); absent: none. */
  readonly sqlSqliteDirs?: string[];
  readonly sqlTimeoutSeconds: number;
  readonly sqlMaxRows: number;
  /** The local cache of Parquet parts (content-addressed, shared by tenants: names are sha256). */
  readonly cacheDir: string;
  readonly cacheMaxBytes: number;
  readonly duckdbMemoryMb: number;
  readonly duckdbThreads: number;
}

/** Variables whose values never appear in an error or a log. */
function isSecretVariable(name: string): boolean {
  return ['SECRET', 'URL', 'PASSWORD', 'APIKEY'].some((word) => name.includes(word));
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Reads and validates the environment once; names every bad variable in one error. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OmegaConfig {
  const raw = Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('OMEGA_')));
  const parsed = plainToInstance(OmegaEnvironment, raw);
  const errors = validateSync(parsed, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const problems = errors.map((error) => {
      const value = isSecretVariable(error.property) ? '(hidden)' : JSON.stringify(raw[error.property]);
      return `${error.property}=${value}: ${Object.values(error.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigValidationError(problems);
  }
  return {
    mongoUrl: parsed.OMEGA_MONGO_URL,
    mongoDbPrefix: parsed.OMEGA_MONGO_DB_PREFIX ?? 'omega',
    brokerUrl: parsed.OMEGA_BROKER_URL,
    sqlUrl: parsed.OMEGA_SQL_URL,
    secretKey: parsed.OMEGA_SECRET_KEY,
    apiPort: parsed.OMEGA_API_PORT ?? 5000,
    apiHost: parsed.OMEGA_API_HOST ?? '127.0.0.1',
    workerLabels: (parsed.OMEGA_WORKER_LABELS ?? 'default').split(','),
    workerConcurrency: parsed.OMEGA_WORKER_CONCURRENCY ?? 4,
    dataDir: resolve(parsed.OMEGA_DATA_DIR ?? '.omega'),
    embeddedMongoPort: parsed.OMEGA_EMBEDDED_MONGO_PORT ?? 27018,
    maxJsonBytes: parsed.OMEGA_MAX_JSON_BYTES ?? 64 * 1024 * 1024,
    maxUploadBytes: parsed.OMEGA_MAX_UPLOAD_BYTES ?? 20 * 1024 * 1024 * 1024,
    taskTimeoutSeconds: parsed.OMEGA_TASK_TIMEOUT_SECONDS ?? 60,
    taskMaxAttempts: parsed.OMEGA_TASK_MAX_ATTEMPTS ?? 3,
    taskRetentionHours: parsed.OMEGA_TASK_RETENTION_HOURS ?? 168,
    tenantMaxRunning: parsed.OMEGA_TENANT_MAX_RUNNING ?? 32,
    tenantMaxQueued: parsed.OMEGA_TENANT_MAX_QUEUED ?? 1000,
    logLevel: parsed.OMEGA_LOG_LEVEL ?? 'log',
    adminUserid: parsed.OMEGA_ADMIN_USERID ?? 'admin',
    adminPassword: parsed.OMEGA_ADMIN_PASSWORD,
    adminApikey: parsed.OMEGA_ADMIN_APIKEY,
    adminTenant: parsed.OMEGA_ADMIN_TENANT ?? 'default',
    sessionTtlSeconds: parsed.OMEGA_SESSION_TTL_SECONDS ?? 8 * 3600,
    // Generous enough for model serving (1,000/s per key); uploads and key creation have their own.
    rateLimitApi: parsed.OMEGA_RATE_LIMIT_API ?? 60_000,
    rateLimitApiWindowSeconds: parsed.OMEGA_RATE_LIMIT_API_WINDOW_SECONDS ?? 60,
    rateLimitLogin: parsed.OMEGA_RATE_LIMIT_LOGIN ?? 10,
    rateLimitLoginWindowSeconds: parsed.OMEGA_RATE_LIMIT_LOGIN_WINDOW_SECONDS ?? 300,
    rateLimitUploads: parsed.OMEGA_RATE_LIMIT_UPLOADS ?? 300,
    rateLimitKeys: parsed.OMEGA_RATE_LIMIT_KEYS ?? 20,
    rateLimitBadCredentials: parsed.OMEGA_RATE_LIMIT_BAD_CREDENTIALS ?? 60,
    rateLimitsByRole: parsed.OMEGA_RATE_LIMITS_BY_ROLE ?? '',
    principalCacheSize: parsed.OMEGA_PRINCIPAL_CACHE_SIZE ?? 10_000,
    principalCacheMaxAgeSeconds: parsed.OMEGA_PRINCIPAL_CACHE_MAX_AGE_SECONDS ?? 60,
    publicUrl: parsed.OMEGA_PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: parsed.OMEGA_TRUST_PROXY ?? 0,
    scheduleTickSeconds: parsed.OMEGA_SCHEDULE_TICK_SECONDS ?? 15,
    scheduleCatchUp: parsed.OMEGA_SCHEDULE_CATCH_UP ?? 'once',
    apiUrl: (parsed.OMEGA_API_URL ?? `http://127.0.0.1:${parsed.OMEGA_API_PORT ?? 5000}`).replace(/\/+$/, ''),
    scriptTimeoutSeconds: parsed.OMEGA_SCRIPT_TIMEOUT_SECONDS ?? 300,
    scriptMemoryMb: parsed.OMEGA_SCRIPT_MEMORY_MB ?? 512,
    scriptIsolation: parsed.OMEGA_SCRIPT_ISOLATION ?? 'namespaces',
    scriptEgressHosts: (parsed.OMEGA_SCRIPT_EGRESS_HOSTS ?? '')
      .split(',')
      .filter((host) => host !== '')
      .map((host) => host.toLowerCase()),
    scriptIpcMaxBytes: parsed.OMEGA_SCRIPT_IPC_MAX_BYTES ?? 16 * 1024 * 1024,
    scriptUser: parsed.OMEGA_SCRIPT_USER ?? 'nobody',
    npmRegistry: parsed.OMEGA_NPM_REGISTRY,
    sqlHosts: parsed.OMEGA_SQL_HOSTS?.split(',').map((host) => host.toLowerCase()),
    sqlSqliteDirs: parsed.OMEGA_SQL_SQLITE_DIRS?.split(',').map((folder) => resolve(folder)),
    sqlTimeoutSeconds: parsed.OMEGA_SQL_TIMEOUT_SECONDS ?? 60,
    sqlMaxRows: parsed.OMEGA_SQL_MAX_ROWS ?? 1_000_000,
    cacheDir: resolve(parsed.OMEGA_CACHE_DIR ?? join(parsed.OMEGA_DATA_DIR ?? '.omega', 'cache')),
    cacheMaxBytes: parsed.OMEGA_CACHE_MAX_BYTES ?? 10 * 1024 * 1024 * 1024,
    duckdbMemoryMb: parsed.OMEGA_DUCKDB_MEMORY_MB ?? 512,
    duckdbThreads: parsed.OMEGA_DUCKDB_THREADS ?? 2,
  };
}
