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
import { existsSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { SqlConnections } from '../connections/sql-connections';
import { parseQuery, placeholderNames } from '../query/placeholders';
import { SecretCipherProvider } from '../secrets/secret-cipher';
import { parseTarget, resolveUrl, separateSecrets, SqlDialect } from '../url/sql-url';
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
  constructor(
    private readonly connections: SqlConnections,
    private readonly cipher: SecretCipherProvider,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  supports(input: unknown): boolean {
    return isSqlReferenceSpec(input);
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    if (!isSqlReferenceSpec(input))
      throw OmegaError.invalidInput('a sql.reference takes {sqlUrl, query, secrets?}');
    if (target.append) throw OmegaError.invalidInput('a SQL reference cannot be appended to; put it again');
    const separated = separateSecrets(input.sqlUrl, input.secrets ?? {});
    this.assertAllowedTarget(separated.url);
    const query = parseQuery(input.query, separated.dialect);
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
    // Again when read: a `{placeholder}` in the URL, or a link made since, could lead elsewhere now.
    this.assertAllowedTarget(resolvedUrl);
    return SqlReferenceView.open(this.connections, {
      ctx,
      dialect: kindMeta.dialect,
      resolvedUrl,
      query: parseQuery(kindMeta.query, kindMeta.dialect),
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
   * Where a reference may lead: never into the platform's own files (accounts database, embedded
   * MongoDB), and only to the hosts of `OMEGA_SQL_HOSTS` and the folders of `OMEGA_SQL_SQLITE_DIRS` where
   * those are set. A host that is still a `{placeholder}` is checked when the reference is read.
   */
  private assertAllowedTarget(url: string): void {
    const target = parseTarget(url);
    if (target.dialect !== 'sqlite') {
      const host = target.host.toLowerCase();
      if (!this.config.sqlHosts || /[{}]/.test(host)) return;
      const allowed = this.config.sqlHosts.some((pattern) =>
        pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern,
      );
      if (!allowed) throw OmegaError.invalidInput(`host ${host} is not one OMEGA_SQL_HOSTS allows`);
      return;
    }
    // Compared as real paths, so a symbolic link to the data directory leads nowhere either.
    const real = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));
    const within = (folder: string, path: string) => path === folder || path.startsWith(folder + sep);
    const paths = [resolve(target.path), real(target.path)];
    const dataDir = real(this.config.dataDir);
    if (paths.some((path) => within(dataDir, path)))
      throw OmegaError.invalidInput('a sqlite reference must not point into the platform data directory');
    const folders = this.config.sqlSqliteDirs?.map(real);
    if (folders && !paths.every((path) => folders.some((folder) => within(folder, path)))) {
      throw OmegaError.invalidInput(
        'a sqlite reference must name a file in a folder OMEGA_SQL_SQLITE_DIRS allows',
      );
    }
  }
}

/** The associated data of a secrets blob: the object it belongs to. */
function boundTo(ctx: TenantContext, prefix: string, name: string): string {
  return `${ctx.tenant}\u0000${ctx.bucket}\u0000${prefix}\u0000${name}`;
}
