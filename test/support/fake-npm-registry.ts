import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tarArchive } from './tar-archive';

export interface FakeNpmRegistry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Every request path it answered, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * An npm registry on loopback serving tiny packages, so installs are tested without the internet: each
 * package has one version (1.0.0) whose index.js exports `value`. With no packages it still records who
 * called it (and answers 404), which shows whether a configuration pointed npm at it.
 */
export async function startFakeNpmRegistry(packages: Record<string, string> = {}): Promise<FakeNpmRegistry> {
  const requests: string[] = [];
  const tarballs = new Map<string, Buffer>();
  for (const [name, value] of Object.entries(packages)) {
    tarballs.set(
      name,
      tarArchive([
        {
          name: 'package/package.json',
          content: JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
        },
        { name: 'package/index.js', content: `exports.value = ${JSON.stringify(value)};\n` },
      ]),
    );
  }
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(path);
    const [, name, dash, file] = path.split('/');
    const tarball = tarballs.get(name);
    if (tarball && dash === '-' && file === `${name}-1.0.0.tgz`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
      return;
    }
    if (tarball && path === `/${name}`) {
      const version = {
        name,
        version: '1.0.0',
        main: 'index.js',
        dist: {
          tarball: `${url}${name}/-/${name}-1.0.0.tgz`,
          shasum: createHash('sha1').update(tarball).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
        },
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name, 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}
