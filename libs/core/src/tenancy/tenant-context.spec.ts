import { requestedScope } from './tenant-context';

describe('requestedScope', () => {
  const headers =
    (values: Record<string, string>) =>
    (name: string): string | undefined =>
      values[name];

  it('reads the Bucket and Qualifier headers', () => {
    expect(requestedScope(headers({ bucket: 'sales', qualifier: 'dev' }))).toEqual({
      bucket: 'sales',
      qualifier: 'dev',
    });
  });

  it('answers the defaults for absent or empty headers', () => {
    expect(requestedScope(headers({}))).toEqual({ bucket: 'default', qualifier: 'default' });
    expect(requestedScope(headers({ bucket: '', qualifier: '' }))).toEqual({
      bucket: 'default',
      qualifier: 'default',
    });
  });
});
