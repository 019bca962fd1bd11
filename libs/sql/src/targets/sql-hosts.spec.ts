import { normalHost, SqlHostPolicy } from './sql-hosts';

describe('SQL reference hosts', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['[::FFFF:127.0.0.1]', '::ffff:127.0.0.1'],
    ['DB.Example.com.', 'db.example.com'],
  ])('reads %s as %s', (host, normal) => {
    expect(normalHost(host)).toBe(normal);
  });

  it('refuses every address that is not public when nothing is configured, in any spelling', async () => {
    const policy = new SqlHostPolicy(undefined);
    for (const host of [
      '0x7f.1',
      '::ffff:7f00:1',
      '::ffff:10.1.2.3',
      '100.100.0.1',
      'fd12::1',
      '64:ff9b::a00:1',
    ])
      await expect(policy.addressOf(host)).rejects.toThrow(/not public/);
    await expect(policy.addressOf('8.8.8.8')).resolves.toBe('8.8.8.8');
    await expect(policy.addressOf('[2606:4700::1111]')).resolves.toBe('2606:4700::1111');
  });

  it('allows what OMEGA_SQL_HOSTS names: addresses, ranges and names, and only those', async () => {
    const policy = new SqlHostPolicy(['10.0.0.0/8', '127.0.0.1', 'localhost']);
    await expect(policy.addressOf('10.20.30.40')).resolves.toBe('10.20.30.40');
    await expect(policy.addressOf('2130706433')).resolves.toBe('127.0.0.1');
    await expect(policy.addressOf('::ffff:10.0.0.1')).resolves.toBe('::ffff:10.0.0.1');
    await expect(policy.addressOf('11.0.0.1')).rejects.toThrow('not one OMEGA_SQL_HOSTS allows');
    // A name is connected to by the address it resolved to when checked.
    expect(['127.0.0.1', '::1']).toContain(await policy.addressOf('localhost'));
  });

  it('refuses a name the list does not hold without looking it up', async () => {
    const policy = new SqlHostPolicy(['db.example.com']);
    await expect(policy.checkWhenStored('db.example.com')).resolves.toBeUndefined();
    await expect(policy.checkWhenStored('db.example.com.evil.net')).rejects.toThrow(
      'host db.example.com.evil.net is not one OMEGA_SQL_HOSTS allows',
    );
  });
});
