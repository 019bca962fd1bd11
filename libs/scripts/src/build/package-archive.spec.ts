import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paxRecords, tarArchive } from '../../../../test/support/tar-archive';
import { unpackPackage } from './package-archive';

describe('unpackPackage', () => {
  let folder: string;
  let target: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'omega-archive-spec-'));
    target = join(folder, 'target');
    mkdirSync(target);
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('unpacks what `tar` packs (gzipped or not), files and folders only', async () => {
    const source = join(folder, 'source', 'package');
    mkdirSync(join(source, 'src'), { recursive: true });
    writeFileSync(join(source, 'package.json'), '{"main":"src/main.ts"}');
    writeFileSync(join(source, 'src', 'main.ts'), 'export const run = () => 1;');
    writeFileSync(join(source, 'src', `${'long-name-'.repeat(12)}.ts`), 'export {};');
    for (const flags of ['-czf', '-cf', '--format=pax -cf']) {
      const archive = join(folder, 'package.tar');
      execFileSync('tar', [...flags.split(' '), archive, '-C', join(folder, 'source'), 'package']);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      await unpackPackage(readFileSync(archive), target);
      expect(readFileSync(join(target, 'package', 'src', 'main.ts'), 'utf8')).toBe(
        'export const run = () => 1;',
      );
      expect(readdirSync(join(target, 'package', 'src'))).toHaveLength(2);
    }
  });

  it.each([
    [
      'a hard link to /etc/passwd',
      { name: 'package/passwd', type: '1', linkname: '/etc/passwd' },
      /is a hard link/,
    ],
    [
      'a hard link inside',
      { name: 'package/copy', type: '1', linkname: 'package/index.js' },
      /is a hard link/,
    ],
    ['a symbolic link', { name: 'package/secrets', type: '2', linkname: '/root' }, /is a symbolic link/],
    ['a character device', { name: 'package/null', type: '3' }, /is a character device/],
    ['a FIFO', { name: 'package/pipe', type: '6' }, /is a FIFO/],
    ['an absolute path', { name: '/tmp/omega-archive-escape' }, /absolute path or one that leads outside/],
    [
      'a path with ..',
      { name: 'package/../../omega-archive-escape' },
      /absolute path or one that leads outside/,
    ],
  ])('refuses %s, naming the entry, and writes nothing', async (_, entry, message) => {
    const archive = tarArchive([{ name: 'package/index.js', content: 'exports.run = () => 1;' }, entry]);
    await expect(unpackPackage(archive, target)).rejects.toThrow(message);
    await expect(unpackPackage(archive, target)).rejects.toThrow(JSON.stringify(entry.name));
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(folder, 'omega-archive-escape'))).toBe(false);
  });

  it('reads a pax path over the header name, and refuses one that leads outside', async () => {
    const escape = tarArchive([
      { name: 'PaxHeader', type: 'x', content: paxRecords({ path: '../../outside.js' }) },
      { name: 'package/harmless.js', content: 'x' },
    ]);
    await expect(unpackPackage(escape, target)).rejects.toThrow(
      /"\.\.\/\.\.\/outside\.js" has an absolute path/,
    );
    const renamed = tarArchive([
      { name: 'PaxHeader', type: 'x', content: paxRecords({ path: 'package/real.js' }) },
      { name: 'package/short.js', content: 'exports.run = () => 2;' },
    ]);
    await unpackPackage(renamed, target);
    expect(readdirSync(join(target, 'package'))).toEqual(['real.js']);
  });

  it('answers 400 for something that is not a tar archive', async () => {
    await expect(unpackPackage(Buffer.from('not a tarball at all'.repeat(40)), target)).rejects.toThrow(
      /not a readable tar archive/,
    );
  });

  it('caps the unpacked size', async () => {
    const big = Buffer.alloc(51 * 1024 * 1024, 0x61);
    await expect(
      unpackPackage(tarArchive([{ name: 'package/big.js', content: big }]), target),
    ).rejects.toThrow(/unpacks to at most/);
  });
});
