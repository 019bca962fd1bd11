import { Command } from 'commander';
import { printRecord, printTable } from '../output';
import type { CommandContext } from './context';

/** `om whoami`: who the credentials speak for, with their rate limits and use in this window. */
export function addWhoami(program: Command, { connect, show }: CommandContext): void {
  program
    .command('whoami')
    .description('who you are, your role, and your rate limits with their use in this window')
    .action(async (_options, command: Command) => {
      const me = await (await connect(command)).me();
      show(command, me, () => {
        printRecord({ userid: me.userid, tenant: me.tenant, role: me.role, via: me.via, key: me.keyId });
        process.stdout.write('\n');
        printTable(
          me.limits.map((limit) => ({
            limit: limit.name,
            // 0 is no limit: say so rather than print a zero that reads as "nothing allowed".
            max: limit.limit === 0 ? 'none' : limit.limit,
            used: limit.used,
            remaining: limit.remaining ?? '',
            window: `${limit.windowSeconds} s`,
            resets: limit.resetsAt,
          })),
          ['limit', 'max', 'used', 'remaining', 'window', 'resets'],
        );
      });
    });
}
