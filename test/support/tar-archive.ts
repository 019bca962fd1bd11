import { gzipSync } from 'node:zlib';

/** One entry of a hand-made tar archive: any type and any name, which `tar` itself would not write. */
export interface TarEntry {
  name: string;
  content?: string | Buffer;
  /** ustar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' folder, 'x' pax header. */
  type?: string;
  linkname?: string;
  /** Permission bits (default 0o644). */
  mode?: number;
}

/** A ustar archive of `entries` (gzipped unless `gzip` is false), checksums and all. */
export function tarArchive(entries: TarEntry[], gzip = true): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write(`${(entry.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write('00000000000\0', 136, 'ascii');
    header.write(entry.type ?? '0', 156, 'ascii');
    header.write(entry.linkname ?? '', 157, 100, 'utf8');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    header.fill(0x20, 148, 156);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const archive = Buffer.concat(blocks);
  return gzip ? gzipSync(archive) : archive;
}

/** A pax extended-header record set (`<length> <key>=<value>\n` each). */
export function paxRecords(records: Record<string, string>): string {
  return Object.entries(records)
    .map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let length = body.length + 1;
      while (`${length}${body}`.length !== length) length += 1;
      return `${length}${body}`;
    })
    .join('');
}
