import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCredentials } from './credentials';
import { OmegaCredentialsError } from './errors';

describe('resolveCredentials', () => {
  let dir: string;
  const file = { url: 'http://file:5000', userid: 'fileuser', apikey: 'filekey', tenant: 'acme' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'omega-credentials-'));
    mkdirSync(join(dir, '.omega'));
    writeFileSync(join(dir, '.omega', 'credentials.json'), JSON.stringify(file));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ./.omega/credentials.json when nothing else is given', () => {
    expect(resolveCredentials({ cwd: dir, env: {} })).toEqual({
      ...file,
      source: join(dir, '.omega', 'credentials.json'),
    });
  });

  it('prefers $OMEGA_DATA_DIR/credentials.json over ./.omega', () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'credentials.json'), JSON.stringify({ ...file, userid: 'datauser' }));
    expect(resolveCredentials({ cwd: dir, env: { OMEGA_DATA_DIR: data } }).userid).toBe('datauser');
  });

  it('takes the environment over the file, and explicit options over both', () => {
    const env = { OMEGA_URL: 'http://env:1', OMEGA_USERID: 'envuser', OMEGA_APIKEY: 'envkey' };
    expect(resolveCredentials({ cwd: dir, env })).toMatchObject({
      url: 'http://env:1',
      userid: 'envuser',
      apikey: 'envkey',
      source: 'env',
    });
    expect(resolveCredentials({ cwd: dir, env, userid: 'me', apikey: 'mine', url: 'http://opt/' })).toEqual({
      url: 'http://opt',
      userid: 'me',
      apikey: 'mine',
      tenant: undefined,
      source: 'options',
    });
  });

  it('never pairs a key with another source’s userid', () => {
    const error = (() => {
      try {
        resolveCredentials({ cwd: dir, env: { OMEGA_APIKEY: 'envkey' } });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(OmegaCredentialsError);
    expect(error.message).toBe('the environment: an API key but no userid');
    expect(error.message).not.toContain('envkey');
  });

  it('names a missing or broken file', () => {
    expect(() => resolveCredentials({ credentialsFile: join(dir, 'nope.json'), env: {} })).toThrow(
      /nope\.json does not exist/,
    );
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(() => resolveCredentials({ credentialsFile: join(dir, 'broken.json'), env: {} })).toThrow(
      /not valid JSON/,
    );
    const empty = mkdtempSync(join(tmpdir(), 'omega-nothing-'));
    expect(() => resolveCredentials({ cwd: empty, env: {} })).toThrow(OmegaCredentialsError);
    rmSync(empty, { recursive: true });
  });
});
