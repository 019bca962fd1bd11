import { assertPasswordPolicy } from './password-policy';
import { assertValidUserid, isValidUserid } from './userid';

describe('password policy', () => {
  it('wants at least 12 characters, counted as characters, not bytes', () => {
    expect(() => assertPasswordPolicy('eleven char')).toThrow('at least 12 characters');
    expect(() => assertPasswordPolicy('twelve chars')).not.toThrow();
    expect(() => assertPasswordPolicy('\u{1F600}'.repeat(11))).toThrow('at least 12 characters');
    expect(() => assertPasswordPolicy('x'.repeat(1025))).toThrow('at most 1024');
    expect(() => assertPasswordPolicy(123456789012)).toThrow('must be a string');
  });
});

describe('userids', () => {
  it('accepts omega-ml style login names', () => {
    for (const userid of ['alice', 'Bob', 'jane.doe@example.com', 'ci-bot_2', 'a+b']) {
      expect(isValidUserid(userid)).toBe(true);
    }
  });

  it('refuses a colon (the ApiKey header separator), whitespace, quotes and non-strings', () => {
    for (const userid of ['a:b', 'a b', '', ' alice', "' OR 1=1 --", '{"$ne": null}', 'x'.repeat(151), {}]) {
      expect(isValidUserid(userid)).toBe(false);
    }
    expect(() => assertValidUserid('a:b')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
  });
});
