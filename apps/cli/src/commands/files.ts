import { Command } from 'commander';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { humanBytes, printTable } from '../output';
import { Progress } from '../progress';
import type { CommandContext } from './context';

/** `om files …` */
export function addFiles(program: Command, { connect, show }: CommandContext): void {
  const files = program.command('files').description('binary files of any size');

  files
    .command('list')
    .description('the files of the bucket')
    .action(async (_options, command: Command) => {
      const list = await (await connect(command)).files.list();
      show(command, list, () =>
        printTable(
          list.map((item) => ({
            name: item.name,
            size: item.size,
            contentType: item.contentType,
            modified: item.modified,
          })),
          ['name', 'size', 'contentType', 'modified'],
        ),
      );
    });

  files
    .command('put <path> <name>')
    .description('upload a file')
    .option('--content-type <type>', 'its media type (default application/octet-stream)')
    .action(async (path: string, name: string, options: { contentType?: string }, command: Command) => {
      const size = statSync(path).size;
      const om = await connect(command);
      const progress = new Progress(`put ${name}`, size);
      const summary = await om.files.put(name, createReadStream(path).pipe(progress.counter()), {
        contentType: options.contentType,
      });
      progress.done();
      show(command, summary, () =>
        process.stdout.write(
          `stored ${summary.name} (${humanBytes(summary.size)}, sha256 ${summary.sha256})\n`,
        ),
      );
    });

  files
    .command('get <name>')
    .description('download a file to --out (or stdout)')
    .option('--out <file>', 'write to this file')
    .action(async (name: string, options: { out?: string }, command: Command) => {
      const om = await connect(command);
      const meta = await om.files.metadata(name);
      const progress = new Progress(`get ${name}`, meta.size);
      const body = await om.files.get(name);
      if (options.out) {
        await mkdir(dirname(resolve(options.out)), { recursive: true });
        await pipeline(body, progress.counter(), createWriteStream(options.out));
        progress.done();
        const answer = { name, out: resolve(options.out), bytes: progress.bytes, sha256: meta.sha256 };
        show(command, answer, () =>
          process.stdout.write(`wrote ${humanBytes(progress.bytes)} to ${options.out}\n`),
        );
      } else {
        const stdout = new Writable({
          write: (chunk: Buffer, _encoding, done) =>
            process.stdout.write(chunk) ? done() : process.stdout.once('drain', () => done()),
        });
        await pipeline(body, progress.counter(), stdout);
        progress.done();
      }
    });

  files
    .command('drop <name>')
    .description('delete a file')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).files.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });
}
