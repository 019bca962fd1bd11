import type { ModelSummary } from '@omega/client';
import { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { printRecord, printTable, UsageError } from '../output';
import { Progress } from '../progress';
import type { CommandContext } from './context';
import { collect, parseJsonOption } from './options';

/** `om models …` */
export function addModels(program: Command, { connect, show }: CommandContext): void {
  const models = program.command('models').description('stored models and their versions');
  // Both a put's Metadata and the model detail (its superset) are shown by their Metadata fields.
  const describe = (command: Command, model: ModelSummary) =>
    show(command, model, () =>
      printRecord({
        name: model.name,
        kind: model.kind,
        bucket: model.bucket,
        latest: model.kindMeta?.latest,
        attributes: model.attributes,
        created: model.created,
        modified: model.modified,
      }),
    );

  models
    .command('list')
    .description('the models of the bucket')
    .action(async (_options, command: Command) => {
      const list = await (await connect(command)).models.list();
      show(command, list, () =>
        printTable(
          list.map((item) => ({
            name: item.name,
            kind: item.kind,
            latest: item.kindMeta?.latest,
            modified: item.modified,
          })),
          ['name', 'kind', 'latest', 'modified'],
        ),
      );
    });

  models
    .command('put <file> <name>')
    .description(
      'store an ONNX file, or create a model from a spec.json ({"algorithm": ..., "params": {...}})',
    )
    .option('--tag <tag>', 'tag this version (repeatable)', collect, [])
    .option('--attributes <json>', 'attributes, e.g. \'{"require": "gpu"}\'')
    .action(
      async (
        file: string,
        name: string,
        options: { tag: string[]; attributes?: string },
        command: Command,
      ) => {
        const attributes = options.attributes
          ? parseJsonOption(options.attributes, '--attributes')
          : undefined;
        const tags = options.tag.length ? options.tag : undefined;
        const om = await connect(command);
        let model;
        if (extname(file).toLowerCase() === '.json') {
          const spec = JSON.parse(readFileSync(file, 'utf8')) as {
            algorithm?: unknown;
            params?: Record<string, unknown>;
          };
          if (typeof spec.algorithm !== 'string') throw new UsageError(`${file}: a spec needs "algorithm"`);
          model = await om.models.put({ algorithm: spec.algorithm, params: spec.params }, name, {
            attributes,
            tags,
          });
        } else {
          const size = statSync(file).size;
          const progress = new Progress(`put ${name}`, size);
          model = await om.models.put(file, name, { attributes, tags });
          progress.add(size);
          progress.done();
        }
        describe(command, model);
      },
    );

  for (const verb of ['get', 'metadata'] as const) {
    models
      .command(`${verb} <name>`)
      .description("a model's kind, latest version and attributes (name@version, name@tag work)")
      .action(async (name: string, _options, command: Command) => {
        describe(command, await (await connect(command)).models.metadata(name));
      });
  }

  models
    .command('versions <name>')
    .description("a model's versions, newest first, and its tags")
    .action(async (name: string, _options, command: Command) => {
      const versions = await (await connect(command)).models.versions(name);
      show(command, versions, () =>
        printTable(
          versions.versions.map((version) => ({
            version: version.version,
            tags: Object.entries(versions.tags)
              .filter(([, number]) => number === version.version)
              .map(([tag]) => tag)
              .join(','),
            created: version.created,
          })),
          ['version', 'tags', 'created'],
        ),
      );
    });

  models
    .command('promote <name> <bucket>')
    .description('copy the model with all its versions to another bucket')
    .action(async (name: string, bucket: string, _options, command: Command) => {
      const model = await (await connect(command)).models.promote(name, bucket);
      show(command, model, () => process.stdout.write(`promoted ${name} to bucket ${model.bucket}\n`));
    });

  models
    .command('drop <name>')
    .description('delete a model and all its versions')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).models.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });
}
