import { hashPassword, needsRehash, verifyPassword } from './password-hash';

// The cheapest parameters the verifier accepts keep these tests fast; the encoding is the same.
const FAST = { ln: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('encodes scrypt with its parameters and a random salt (PHC string format)', async () => {
    const one = await hashPassword('correct horse battery', FAST);
    const two = await hashPassword('correct horse battery', FAST);
    expect(one).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(one).not.toBe(two);
  });

  it('uses N = 2^15, r = 8, p = 1 by default', async () => {
    expect(await hashPassword('correct horse battery')).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', encoded)).toBe(true);
    expect(await verifyPassword('correct horse batterY', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('treats Unicode compositions of one password alike', async () => {
    const encoded = await hashPassword('caf\u00e9 au lait!!', FAST);
    expect(await verifyPassword('cafe\u0301 au lait!!', encoded)).toBe(true);
  });

  it('refuses malformed hashes and parameters a tampered row could use to exhaust memory', async () => {
    const encoded = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', 'plain')).toBe(false);
    expect(await verifyPassword('correct horse battery', encoded.replace('ln=10', 'ln=30'))).toBe(false);
    expect(await verifyPassword('correct horse battery', encoded.replace('r=8', 'r=0'))).toBe(false);
  });

  it('says when a hash is weaker than the current parameters', async () => {
    const weak = await hashPassword('correct horse battery', FAST);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, FAST)).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});
