import { InitialAccountsSchema1795877335152 } from './1795877335152-initial-accounts-schema';
import { RevokedTokens1796000000000 } from './1796000000000-revoked-tokens';
import { RateLimits1796100000000 } from './1796100000000-rate-limits';

/** Every accounts migration in order; a new one is appended here and runs at the next start. */
export const ACCOUNTS_MIGRATIONS = [
  InitialAccountsSchema1795877335152,
  RevokedTokens1796000000000,
  RateLimits1796100000000,
];
