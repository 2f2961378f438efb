import { describe, expect, test } from 'vitest';
import { hashPassword, passwordProblems, verifyPassword } from '../../src/accounts/password.js';

const cost = { log2N: 12, r: 8, p: 1 };

describe('scrypt password hashes', () => {
  test('verify the right password only; the same password hashes differently each time', async () => {
    const a = await hashPassword('tranquil meadow 42', cost);
    const b = await hashPassword('tranquil meadow 42', cost);
    expect(a).toMatch(/^scrypt\$12\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('tranquil meadow 42', a)).toBe(true);
    expect(await verifyPassword('tranquil meadow 43', a)).toBe(false);
  });

  test('the default cost is 2^15', async () => {
    expect(await hashPassword('tranquil meadow 42')).toMatch(/^scrypt\$15\$8\$1\$/);
  });

  test.each([['plaintext'], [''], ['scrypt$12$8$1$AAAA$BBBB'], ['scrypt$30$8$1$c2FsdA==$' + 'A'.repeat(44)], ['bcrypt$2b$10$abc']])(
    'a malformed or out-of-range stored hash never verifies: %s',
    async (stored) => expect(await verifyPassword('x', stored)).toBe(false),
  );
});

describe('password rules', () => {
  test.each([
    ['zq7#k', 'olive', ['must be at least 10 characters']],
    ['olive-is-my-password', 'olive', ['must not contain the user name']],
    ['aaaaaaaaaaaa', 'olive', ['must not be one repeated character']],
    ['correct horse battery', 'olive', []],
    ['x'.repeat(300), 'olive', ['must be at most 256 characters', 'must not be one repeated character']],
  ])('%s', (pw, user, problems) => expect(passwordProblems(pw, user)).toEqual(problems));
});

describe('common passwords (issue 16 item 16: password12 and 1234567890 were accepted)', () => {
  test.each([['password12'], ['1234567890'], ['0987654321'], ['Password123!'], ['qwertyuiop'], ['iloveyou2026'], ['football!!!!']])('%s is refused as common', (pw) => {
    expect(passwordProblems(pw, 'olive')).toContain('is a commonly used password: choose a longer passphrase of unrelated words');
  });

  test.each([['correct horse battery'], ['tranquil meadow 42'], ['7394015826']])('%s is not', (pw) => {
    expect(passwordProblems(pw, 'olive')).toEqual([]);
  });
});

