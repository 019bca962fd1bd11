#!/usr/bin/env node
/**
 * `om`, the command line: a thin shell over @omega/client. `om help` lists the commands; `--json` gives
 * one JSON document on stdout for scripts. Exit codes: 0 ok, 1 the server answered an error, 2 usage
 * error, 3 cannot connect, 4 not found, 5 unauthorized.
 */
import { reportError } from './output';
import { buildProgram } from './program';

async function main(argv: string[]): Promise<number> {
  // `npm run om -- …` runs in the package's folder; relative paths and ./.omega mean the caller's folder.
  if (process.env.npm_lifecycle_event === 'om' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

void main(process.argv.slice(2)).then((code) => {
  // Let stdout drain before exiting (a pipe may still hold the output).
  process.stdout.write('', () => process.exit(code));
});
