import type { ApiKeySummary, KeyRateLimits } from '@omega/client';
import { Command } from 'commander';
import { printRecord, UsageError } from '../output';
import type { CommandContext } from './context';

/** `om keys …`: API keys as a platform admin manages them. */
export function addKeys(program: Command, { connect, show }: CommandContext): void {
  const keys = program.command('keys').description('API keys (platform admins)');

  keys
    .command('limits <key-id>')
    .description(
      "set a key's own rate limits in requests per window: 0 = no limit, `default` = the role's or the " +
        "platform's again; limits not named stay as they are",
    )
    .option('--api <n>', 'every request')
    .option('--uploads <n>', 'dataset and file uploads')
    .option('--keys <n>', 'API keys made')
    .action(async (keyId: string, options: Record<string, string | undefined>, command: Command) => {
      const limits: KeyRateLimits = {};
      for (const name of ['api', 'uploads', 'keys'] as const) {
        const value = options[name];
        if (value !== undefined) limits[name] = limitValue(value, `--${name}`);
      }
      if (Object.keys(limits).length === 0)
        throw new UsageError('keys limits needs at least one of --api, --uploads, --keys');
      const key = await (await connect(command)).admin.setKeyLimits(keyId, limits);
      show(command, key, () => describeKey(key));
    });
}

/** `1200` → 1200, `0` → 0 (no limit), `default` → null (clear the key's own limit). */
function limitValue(value: string, option: string): number | null {
  if (value === 'default') return null;
  if (!/^\d{1,10}$/.test(value) || Number(value) > 1e9)
    throw new UsageError(`${option} must be a whole number from 0 to 1000000000, or default`);
  return Number(value);
}

function describeKey(key: ApiKeySummary): void {
  const own = (name: 'api' | 'uploads' | 'keys') => key.rateLimits[name] ?? 'default';
  printRecord({
    id: key.id,
    name: key.name,
    userid: key.userid,
    tenant: key.tenant,
    prefix: key.keyPrefix,
    'limit api': own('api'),
    'limit uploads': own('uploads'),
    'limit keys': own('keys'),
  });
}
