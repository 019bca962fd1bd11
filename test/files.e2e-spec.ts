import { TenantContext } from '@omega/core';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { collectGarbage, growthMb } from './support/memory';
import { startTestApp, TestApp } from './support/test-app';

/** Deterministic bytes made on the fly: the test never holds the file either. */
function generated(totalBytes: number, hash: ReturnType<typeof createHash>): Readable {
  const block = Buffer.alloc(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= totalBytes) {
        this.push(null);
        return;
      }
      const size = Math.min(block.length, totalBytes - sent);
      for (let i = 0; i < size; i += 4096) block.writeUInt32LE((sent + i) >>> 0, i);
      const chunk = Buffer.from(block.subarray(0, size));
      hash.update(chunk);
      sent += size;
      this.push(chunk);
    },
  });
}

/** Samples this process' resident memory until stopped; answers the peak. */
function watchMemory(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

describe('files over REST', () => {
  let t: TestApp;
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('stores a raw body, reads it back whole and by range, lists and drops it', async () => {
    const body = Buffer.from('0123456789abcdefghij');
    const put = await t.api
      .put('/api/v1/file/notes%2Fa.txt')
      .set('Content-Type', 'text/plain')
      .send(body)
      .expect(200);
    expect(put.body).toMatchObject({
      name: 'notes/a.txt',
      kind: 'file.blob',
      size: 20,
      contentType: 'text/plain',
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    const whole = await t.api.get('/api/v1/file/notes%2Fa.txt').expect(200);
    expect(whole.text).toBe(body.toString());
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const part = await t.api.get('/api/v1/file/notes%2Fa.txt').set('Range', 'bytes=5-9').expect(206);
    expect(part.text).toBe('56789');
    expect(part.headers['content-range']).toBe('bytes 5-9/20');
    const tail = await t.api.get('/api/v1/file/notes%2Fa.txt').set('Range', 'bytes=-3').expect(206);
    expect(tail.text).toBe('hij');
    const outside = await t.api.get('/api/v1/file/notes%2Fa.txt').set('Range', 'bytes=20-');
    expect(outside.status).toBe(416);

    const listed = await t.api.get('/api/v1/file/').expect(200);
    expect(listed.body.objects.map((o: { name: string }) => o.name)).toEqual(['notes/a.txt']);
    await t.api.delete('/api/v1/file/notes%2Fa.txt').expect(200);
    await t.api.get('/api/v1/file/notes%2Fa.txt').expect(404);
    const blobs = await t.databases.db(ctx).collection('blobs.files').countDocuments();
    expect(blobs).toBe(0);
  });

  it('takes multipart uploads and replaces a file, freeing the old bytes', async () => {
    await t.api
      .put('/api/v1/file/model.bin')
      .attach('file', Buffer.from([1, 2, 3]), { filename: 'model.bin', contentType: 'application/x-model' })
      .expect(200);
    await t.api
      .put('/api/v1/file/model.bin')
      .attach('file', Buffer.from([4, 5]), { filename: 'model.bin', contentType: 'application/x-model' })
      .expect(200);
    const back = await t.api.get('/api/v1/file/model.bin').responseType('blob').expect(200);
    expect(back.headers['content-type']).toBe('application/x-model');
    expect([...(back.body as Buffer)]).toEqual([4, 5]);
    expect(await t.databases.db(ctx).collection('blobs.files').countDocuments()).toBe(1);
    const empty = await t.api.put('/api/v1/file/none').field('note', 'no file here');
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain('no file part');
  });

  it('streams 200 MB in and out with the API process growing by less than 64 MB', async () => {
    const size = 200 * 1024 * 1024;
    const sent = createHash('sha256');
    collectGarbage();
    const baseline = process.memoryUsage().rss;
    const memory = watchMemory();

    const uploaded = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpRequest(`${t.url}/api/v1/file/big.bin`, {
        method: 'PUT',
        headers: { ...t.auth, 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(text))));
      });
      req.on('error', reject);
      generated(size, sent).pipe(req);
    });
    const expectedHash = sent.digest('hex');
    expect(uploaded).toMatchObject({ size, sha256: expectedHash });

    const received = createHash('sha256');
    let receivedBytes = 0;
    // Status and headers are checked after the download, not inside the callback, where a failed expect
    // would leave the promise pending until the test's timeout.
    const download = await new Promise<{ status?: number; length?: string }>((resolve, reject) => {
      httpRequest(`${t.url}/api/v1/file/big.bin`, { headers: t.auth }, (res) => {
        const head = { status: res.statusCode, length: res.headers['content-length'] };
        res.on('data', (chunk: Buffer) => {
          received.update(chunk);
          receivedBytes += chunk.length;
        });
        res.on('end', () => resolve(head));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    const growth = growthMb(baseline, memory.stop());
    expect(download).toEqual({ status: 200, length: String(size) });
    expect(receivedBytes).toBe(size);
    expect(received.digest('hex')).toBe(expectedHash);
    // The API runs in this process, so this bounds the API (and the test client) together.
    expect(growth).toBeLessThan(64); // MiB; jest prints the measured figure when it fails
  });

  it('stops an upload past the size cap with 413 and keeps nothing', async () => {
    const capped = await startTestApp({ config: { maxUploadBytes: 1024 * 1024 } });
    try {
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${capped.url}/api/v1/file/too-big`, {
          method: 'PUT',
          headers: {
            ...capped.auth,
            'Content-Type': 'application/octet-stream',
            'Transfer-Encoding': 'chunked',
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        generated(3 * 1024 * 1024, createHash('sha256')).pipe(req);
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body).code).toBe('PAYLOAD_TOO_LARGE');
      expect((await capped.stores.files.list(ctx)).total).toBe(0);
      expect(await capped.databases.db(ctx).collection('blobs.chunks').countDocuments()).toBe(0);
    } finally {
      await capped.close();
    }
  });
});
