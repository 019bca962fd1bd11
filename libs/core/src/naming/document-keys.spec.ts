import { escapeKey, isPlainKey, unescapeKey } from './document-keys';

describe('document keys', () => {
  const awkward = [
    'a.b',
    '$price',
    '~tilde',
    '_id',
    'x\u0000y',
    'plain',
    '$a.b~c',
    '~u',
    '~i',
    'naïve ünïcode',
  ];

  it.each(awkward)('round-trips %j', (key) => {
    const escaped = escapeKey(key);
    expect(escaped).not.toMatch(/^\$/);
    expect(escaped).not.toContain('.');
    expect(escaped).not.toContain('\u0000');
    expect(escaped).not.toBe('_id');
    expect(unescapeKey(escaped)).toBe(key);
  });

  it('never produces a reserved key such as ~i from user input', () => {
    for (const key of awkward) expect(escapeKey(key)).not.toBe('~i');
  });

  it('tells plain keys apart', () => {
    expect(isPlainKey('price')).toBe(true);
    expect(isPlainKey('a.b')).toBe(false);
    expect(isPlainKey('$a')).toBe(false);
    expect(isPlainKey('_id')).toBe(false);
  });
});
