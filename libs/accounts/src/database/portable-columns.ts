import type { TableColumnOptions } from 'typeorm';

/**
 * Column definitions that mean the same on PostgreSQL, MySQL/MariaDB and SQLite, for migrations written
 * once with TypeORM's `Table` API. Only plain types: varchar, text, boolean and a timestamp, which is the
 * one type that needs a per-driver name.
 */
export class PortableColumns {
  constructor(private readonly driver: string) {}

  /** Ids are UUIDs made in code (`randomUUID`), so no database needs a uuid type or extension. */
  id(name = 'id'): TableColumnOptions {
    return { ...this.string(name, 36), isPrimary: true };
  }

  string(name: string, length: number, options: { nullable?: boolean } = {}): TableColumnOptions {
    return {
      name,
      type: 'varchar',
      length: String(length),
      isNullable: options.nullable ?? false,
      ...this.binaryCollation(),
    };
  }

  text(name: string, options: { nullable?: boolean } = {}): TableColumnOptions {
    return { name, type: 'text', isNullable: options.nullable ?? false, ...this.binaryCollation() };
  }

  boolean(name: string, defaultValue = false): TableColumnOptions {
    // MySQL's `boolean` is tinyint(1) and SQLite stores 0/1: TypeORM maps both back to true/false.
    return { name, type: 'boolean', isNullable: false, default: String(defaultValue) };
  }

  timestamp(name: string, options: { nullable?: boolean } = {}): TableColumnOptions {
    const nullable = { isNullable: options.nullable ?? false };
    switch (this.driver) {
      case 'postgres':
        // With a time zone: the instant survives hosts in different zones.
        return { name, type: 'timestamptz', ...nullable };
      case 'mysql':
      case 'mariadb':
        // Millisecond precision (the default is whole seconds); the connection writes UTC (`timezone: 'Z'`).
        return { name, type: 'datetime', precision: 3, ...nullable };
      default:
        // SQLite has no date type; TypeORM stores `datetime` as UTC text 'YYYY-MM-DD HH:MM:SS.SSS'.
        return { name, type: 'datetime', ...nullable };
    }
  }

  /**
   * MySQL and MariaDB compare text case-insensitively by default; PostgreSQL and SQLite do not. A binary
   * collation makes `Alice` and `alice` two users everywhere, and unique constraints agree across drivers.
   */
  private binaryCollation(): Partial<TableColumnOptions> {
    return this.driver === 'mysql' || this.driver === 'mariadb'
      ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' }
      : {};
  }
}
