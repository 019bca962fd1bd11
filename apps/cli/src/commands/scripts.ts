import type { ScriptSummary } from '@omega/client';
import { Command } from 'commander';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { humanBytes, printRecord, printTable } from '../output';
import { Progress } from '../progress';
import type { CommandContext } from './context';
import { collect, parseJsonOption, splitPair } from './options';

/** `om scripts …`: store, show and drop scripts; `om runtime script` runs them. */
export function addScripts(program: Command, { connect, show }: CommandContext): void {
  const scripts = program
    .command('scripts')
    .description('code modules exporting run(om, ...args); run them with `om runtime script`');
  const describe = (command: Command, script: ScriptSummary) =>
    show(command, script, () =>
      printRecord({
        name: script.name,
        kind: script.kind,
        language: script.kindMeta.language,
        entry: script.kindMeta.entry,
        dependencies: script.kindMeta.dependencies,
        bundle: script.kindMeta.bundleSize === undefined ? undefined : humanBytes(script.kindMeta.bundleSize),
        owner: script.kindMeta.owner,
        attributes: script.attributes,
        modified: script.modified,
      }),
    );

  scripts
    .command('list')
    .description('the scripts of the bucket')
    .option('--pattern <glob>', "only names matching, e.g. 'reports/*'")
    .action(async (options: { pattern?: string }, command: Command) => {
      const list = await (await connect(command)).scripts.list({ pattern: options.pattern });
      show(command, list, () =>
        printTable(
          list.map((item) => ({
            name: item.name,
            language: item.kindMeta.language,
            dependencies: Object.keys(item.kindMeta.dependencies ?? {}).join(','),
            modified: item.modified,
          })),
          ['name', 'language', 'dependencies', 'modified'],
        ),
      );
    });

  scripts
    .command('put <file> <name>')
    .description(
      'store a .ts/.js file or a .tgz/.tar of a package folder (TypeScript is built on the server)',
    )
    .option(
      '--dependency <pkg@range>',
      'an npm package to bundle in, e.g. ms@^2.1.3 (repeatable)',
      collect,
      [],
    )
    .option('--attributes <json>', 'attributes, e.g. \'{"owner": "finance"}\'')
    .action(
      async (
        file: string,
        name: string,
        options: { dependency: string[]; attributes?: string },
        command: Command,
      ) => {
        const size = statSync(file).size;
        const om = await connect(command);
        const dependencies = options.dependency.length
          ? Object.fromEntries(options.dependency.map(packageRange))
          : undefined;
        const attributes = options.attributes
          ? parseJsonOption(options.attributes, '--attributes')
          : undefined;
        const progress = new Progress(`put ${name}`, size);
        const script = await om.scripts.put(file, name, { dependencies, attributes });
        progress.add(size);
        progress.done();
        describe(command, script);
      },
    );

  scripts
    .command('get <name>')
    .description("a script's language, entry, bundled dependencies and owner")
    .action(async (name: string, _options, command: Command) => {
      describe(command, await (await connect(command)).scripts.get(name));
    });

  scripts
    .command('source <name>')
    .description('the source as it was stored, to --out (or stdout)')
    .option('--out <file>', 'write to this file')
    .action(async (name: string, options: { out?: string }, command: Command) => {
      const source = await (await connect(command)).scripts.source(name);
      if (!options.out) {
        process.stdout.write(source);
        return;
      }
      await writeFile(options.out, source);
      const answer = { name, out: resolve(options.out), bytes: source.length };
      show(command, answer, () =>
        process.stdout.write(`wrote ${humanBytes(source.length)} to ${options.out}\n`),
      );
    });

  scripts
    .command('drop <name>')
    .description('delete a script')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).scripts.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });
}

/** `ms@^2.1.3` → `['ms', '^2.1.3']`; `@scope/pkg@1` keeps its scope; no version means the latest. */
function packageRange(spec: string): [string, string] {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return [spec, 'latest'];
  return splitPair(`${spec.slice(0, at)}=${spec.slice(at + 1)}`, '--dependency');
}
