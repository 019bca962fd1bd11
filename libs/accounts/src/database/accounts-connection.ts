/**
 * The name of the accounts data source. A named connection keeps its Nest tokens (`accountsDataSource`,
 * `accountsEntityManager`) apart from any default TypeORM connection another lib may register, and from
 * the Mongoose connection that holds tenants' objects.
 */
export const ACCOUNTS_CONNECTION = 'accounts';

/** The migrations table of the accounts schema; its own name so it cannot meet another tool's table. */
export const ACCOUNTS_MIGRATIONS_TABLE = 'accounts_migrations';
