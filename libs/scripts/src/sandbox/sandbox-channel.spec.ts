import { parseChildMessage } from './child/child-protocol';
import { encodeFrame, FrameError, FrameReader } from './child/frames';
import { isPublicAddress } from '@omega/core';
import { serviceHosts } from './sandbox-proxy';

describe('the sandbox channel', () => {
  it('cuts a stream into frames wherever its chunks break, bytes and all', () => {
    const bytes = Buffer.concat([
      encodeFrame({ type: 'cell', n: 1 }),
      encodeFrame({ type: 'fetch', id: 2 }, Buffer.from('body')),
    ]);
    const reader = new FrameReader(1024);
    const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames.map((frame) => frame.message)).toEqual([
      { type: 'cell', n: 1 },
      { type: 'fetch', id: 2 },
    ]);
    expect(frames[1].data.toString()).toBe('body');
  });

  it('refuses a frame over the limit from its length alone, and frames that are not frames', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(2048);
    expect(() => new FrameReader(1024).push(prefix)).toThrow(
      new FrameError('a message of 2048 bytes (the limit is 1024)'),
    );
    expect(() => new FrameReader(1024).push(Buffer.from('\0\0\0\x10garbage-garbage!'))).toThrow(
      /not a frame/,
    );
    const notJson = Buffer.alloc(10);
    notJson.writeUInt32BE(6, 0);
    notJson.writeUInt32BE(2, 4);
    notJson.write('{x', 8);
    expect(() => new FrameReader(1024).push(notJson)).toThrow(/not JSON/);
  });

  it('accepts the protocol and nothing else', () => {
    expect(parseChildMessage({ type: 'done', ok: true, result: { a: 1 } })).toEqual({
      type: 'done',
      ok: true,
      result: { a: 1 },
      cells: undefined,
    });
    expect(
      parseChildMessage({ type: 'fetch', id: 1, url: 'http://x/', method: 'GET', headers: [['a', 'b']] }),
    ).toMatchObject({ type: 'fetch', id: 1 });
    for (const [message, why] of [
      [null, /not an object/],
      [[], /not an object/],
      [{ type: 'shell' }, /unknown message type "shell"/],
      [{ type: 'done', ok: 'yes' }, /done\.ok/],
      [{ type: 'done', ok: false, error: 'boom' }, /done\.error/],
      [{ type: 'cell', cell: { index: 0, ok: true, outputs: [{ output_type: 'html' }] } }, /output_type/],
      [{ type: 'fetch', id: 1.5, url: 'http://x/', method: 'GET', headers: [] }, /fetch\.id/],
      [{ type: 'fetch', id: 1, url: 'http://x/', method: 'CONNECT', headers: [] }, /fetch\.method/],
      [{ type: 'fetch', id: 1, url: 'http://x/', method: 'GET', headers: [['a', 1]] }, /fetch\.headers/],
    ] as const) {
      expect(() => parseChildMessage(message)).toThrow(why);
    }
  });

  it('treats only public addresses as public: no loopback, private, link-local, CGNAT, multicast or mapped forms', () => {
    for (const address of ['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111'])
      expect(isPublicAddress(address)).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:93.184.215.14',
      '64:ff9b::7f00:1',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      'not-an-address',
    ])
      expect(isPublicAddress(address)).toBe(false);
  });

  it('names the hosts of the platform services from their URLs', () => {
    expect(serviceHosts('mongodb://user:pw@db1:27017,DB2:27018/omega?tls=true')).toEqual(['db1', 'db2']);
    expect(serviceHosts('amqp://[::1]:5672')).toEqual(['::1']);
    expect(serviceHosts(undefined)).toEqual([]);
  });
});
