import { Omega } from '@omega/client';
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { addCloud } from './commands/cloud';
import { addDatasets } from './commands/datasets';
import { addExperiments } from './commands/experiments';
import { addFiles } from './commands/files';
import { addJobs } from './commands/jobs';
import { addKeys } from './commands/keys';
import { addModels } from './commands/models';
import { addRuntime } from './commands/runtime';
import { addScripts } from './commands/scripts';
import { addWhoami } from './commands/whoami';
import { printJson, printRecord, UsageError } from './output';

interface GlobalOptions {
  bucket?: string;
  qualifier?: string;
  json?: boolean;
  url?: string;
  userid?: string;
  apikey?: string;
}

/** `om`: the platform from the shell, a thin layer over @omega/client. */
export function buildProgram(): Command {
  const program = new Command('om')
    .description('omega-ts from the command line: datasets, files, models, scripts, jobs and the runtime')
    .option('--bucket <name>', 'the bucket to work in (default: default)')
    .option('--qualifier <name>', "the tenant's environment (default: default)")
    .option('--json', 'machine output: exactly one JSON document on stdout')
    .option('--url <url>', 'the platform (else OMEGA_URL, else .omega/credentials.json)')
    .option('--userid <userid>', 'who you are (else OMEGA_USERID, else .omega/credentials.json)')
    .option('--apikey <key>', 'your API key (else OMEGA_APIKEY, else .omega/credentials.json)')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the server answered an error, 2 usage error, 3 cannot connect, 4 not found, ' +
        '5 unauthorized.',
    );

  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const connect = (command: Command) => {
    const options = globals(command);
    return Omega.connect({
      url: options.url,
      userid: options.userid,
      apikey: options.apikey,
      bucket: options.bucket,
      qualifier: options.qualifier,
    });
  };
  /** `--json` prints the value; otherwise `human` does. */
  const show = (command: Command, value: unknown, human: () => void) =>
    globals(command).json ? printJson(value) : human();

  program
    .command('ping')
    .description('is the API up? (no credentials needed)')
    .action(async (_options, command: Command) => {
      const base = (globals(command).url ?? process.env.OMEGA_URL ?? 'http://127.0.0.1:5000').replace(
        /\/$/,
        '',
      );
      let response: Response;
      try {
        response = await fetch(`${base}/api/v1/ping`);
      } catch (error) {
        const { OmegaConnectionError } = await import('@omega/client');
        throw new OmegaConnectionError(`GET ${base}/api/v1/ping failed: ${(error as Error).message}`);
      }
      const body = (await response.json()) as Record<string, unknown>;
      show(command, body, () => printRecord(body));
    });

  program
    .command('login')
    .description(
      'check --url/--userid/--apikey and save them in .omega/credentials.json (or $OMEGA_DATA_DIR)',
    )
    .action(async (_options, command: Command) => {
      const options = globals(command);
      if (!options.userid || !options.apikey) throw new UsageError('login needs --userid and --apikey');
      const om = await connect(command);
      const folder = process.env.OMEGA_DATA_DIR ? resolve(process.env.OMEGA_DATA_DIR) : resolve('.omega');
      const path = join(folder, 'credentials.json');
      await mkdir(folder, { recursive: true });
      // Keep what else the file holds (the API writes the admin's password there at its first start).
      let existing: Record<string, unknown> = {};
      if (existsSync(path)) {
        try {
          const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            existing = parsed as Record<string, unknown>;
        } catch {
          existing = {};
        }
      }
      const saved = {
        ...existing,
        url: om.url,
        userid: om.userid,
        apikey: options.apikey,
        tenant: om.tenant,
      };
      await writeFile(path, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
      await chmod(path, 0o600);
      const answer = { url: om.url, userid: om.userid, tenant: om.tenant, credentials: path };
      show(command, answer, () =>
        process.stdout.write(`logged in as ${om.userid} (tenant ${om.tenant}) at ${om.url}\nsaved ${path}\n`),
      );
    });

  const config = program.command('config').description('the connection in use');
  config
    .command('show')
    .description('url, userid, tenant, bucket and qualifier (never the key)')
    .action(async (_options, command: Command) => {
      const om = await connect(command);
      const answer = {
        url: om.url,
        userid: om.userid,
        tenant: om.tenant,
        bucket: om.bucketName,
        qualifier: om.qualifierName,
      };
      show(command, answer, () => printRecord(answer));
    });

  const context = { connect, show };
  addDatasets(program, context);
  addFiles(program, context);
  addModels(program, context);
  addScripts(program, context);
  addExperiments(program, context);
  addJobs(program, context);
  addRuntime(program, context);
  addKeys(program, context);
  addCloud(program, context);
  addWhoami(program, context);
  return program;
}
