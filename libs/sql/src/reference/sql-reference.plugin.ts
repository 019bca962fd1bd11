import { Inject, Injectable } from '@nestjs/common';
import {
  MetadataRecord,
  OMEGA_CONFIG,
  OmegaConfig,
  OmegaError,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
} from '@omega/core';
import { parseSqlvars, SQL_REFERENCE_KIND } from '@omega/datasets';
import { SqlConnections } from '../connections/sql-connections';
import { sqlError } from '../connections/sql-errors';
import { parseQuery, placeholderNames } from '../query/placeholders';
import { SecretCipherProvider } from '../secrets/secret-cipher';
import { SqlHostPolicy } from '../targets/sql-hosts';
import { checkedSqlitePath } from '../targets/sqlite-paths';
import { parseTarget, redactUrl, resolveUrl, separateSecrets, SqlDialect } from '../url/sql-url';
import { isSqlReferenceSpec } from './sql-reference-input';
import { SqlReferenceView } from './sql-reference-view';

/** What `kindMeta` of a `sql.reference` entry holds. `secrets` is the encrypted blob, never shown. */
export interface SqlReferenceKindMeta {
  dialect: SqlDialect;
  /** The URL with `{placeholders}` where secrets go: no secret value is ever in it. */
  url: string;
  query: string;
  /** The query's `{placeholders}`, bound to `sqlvars` when read. */
  placeholders: string[];
  /** Names of the stored secrets (their values are in `secrets`, encrypted). */
  secretNames: string[];
  secrets?: string;
  [key: string]: unknown;
}

/**
 * A reference to a query on an outside SQL database: only the connection and the query are stored, with
 * secrets encrypted. Reading runs the query (values bound, never spliced) and streams its rows, so a SQL
 * reference is served like any table: filters, sort, paging, JSON, CSV and Arrow.
 */
@Injectable()
@StoragePlugin({ kind: SQL_REFERENCE_KIND, prefixes: ['data'], priority: 30 })
export class SqlReferencePlugin implements StoragePluginContract<SqlReferenceView> {
  private readonly hosts: SqlHostPolicy;

  constructor(
    private readonly connections: SqlConnections,
    private readonly cipher: SecretCipherProvider,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {
    this.hosts = new SqlHostPolicy(config.sqlHosts);
  }

  supports(input: unknown): boolean {
    return isSqlReferenceSpec(input);
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    if (!isSqlReferenceSpec(input))
      throw OmegaError.invalidInput('a sql.reference takes {sqlUrl, query, secrets?}');
    if (target.append) throw OmegaError.invalidInput('a SQL reference cannot be appended to; put it again');
    const separated = separateSecrets(input.sqlUrl, input.secrets ?? {});
    const query = parseQuery(input.query, separated.dialect);
    await this.checkTarget(separated.url, 'stored');
    const names = Object.keys(separated.secrets).sort();
    const kindMeta: SqlReferenceKindMeta = {
      dialect: separated.dialect,
      url: separated.url,
      query: input.query,
      placeholders: placeholderNames(query),
      secretNames: names,
    };
    if (names.length > 0)
      kindMeta.secrets = this.cipher.encrypt(separated.secrets, boundTo(ctx, target.prefix, target.name));
    return { kindMeta };
  }

  async get(
    ctx: TenantContext,
    meta: MetadataRecord,
    options: Record<string, unknown>,
  ): Promise<SqlReferenceView> {
    const kindMeta = meta.kindMeta as SqlReferenceKindMeta;
    const secrets = kindMeta.secrets
      ? this.cipher.decrypt(kindMeta.secrets, boundTo(ctx, meta.prefix, meta.name))
      : {};
    const resolvedUrl = resolveUrl(kindMeta.url, secrets);
    const query = parseQuery(kindMeta.query, kindMeta.dialect);
    const where = redactUrl(resolvedUrl);
    let location: string | undefined;
    try {
      location = await this.checkTarget(resolvedUrl, 'read');
    } catch (error) {
      throw sqlError(error, kindMeta.dialect, where, Object.values(secrets));
    }
    return SqlReferenceView.open(this.connections, {
      ctx,
      dialect: kindMeta.dialect,
      resolvedUrl,
      location,
      limits: { timeoutMs: this.config.sqlTimeoutSeconds * 1000, maxRows: this.config.sqlMaxRows },
      query,
      sqlvars: parseSqlvars(options.sqlvars) ?? {},
      secrets: Object.values(secrets),
    });
  }

  publicKindMeta(meta: MetadataRecord): Record<string, unknown> {
    const { dialect, url, query, placeholders, secretNames } = meta.kindMeta as SqlReferenceKindMeta;
    return { dialect, url, query, placeholders, secretNames };
  }

  /** Nothing is stored but the entry; pools close by themselves when idle. */
  async release(): Promise<void> {}

  /**
   * Where a reference may lead (`OMEGA_SQL_HOSTS`, `OMEGA_SQL_SQLITE_DIRS`), checked when stored and
   * again when read: a `{placeholder}` in the URL, a DNS answer or a link made since could lead elsewhere
   * by then. The answer is where to connect: the host's checked address (when read), or the SQLite
   * file's real path. A host that is still a `{placeholder}` is only checked when read.
   */
  private async checkTarget(url: string, when: 'stored' | 'read'): Promise<string | undefined> {
    const target = parseTarget(url);
    if (target.dialect === 'sqlite')
      return checkedSqlitePath(target.path, this.config.dataDir, this.config.sqlSqliteDirs);
    if (when === 'read') return this.hosts.addressOf(target.host);
    if (!/[{}]/.test(target.host)) await this.hosts.checkWhenStored(target.host);
    return undefined;
  }
}

/** The associated data of a secrets blob: the object it belongs to. */
function boundTo(ctx: TenantContext, prefix: string, name: string): string {
  return `${ctx.tenant}\u0000${ctx.bucket}\u0000${prefix}\u0000${name}`;
}
