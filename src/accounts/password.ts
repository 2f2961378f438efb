/**
 * Password hashing with scrypt (node:crypto). Stored form:
 * `scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>`, so the cost can rise later without breaking
 * existing accounts (verify reads the parameters from the stored string).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import zxcvbnCommon from '@zxcvbn-ts/language-common';

export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

/** 2^15 × r 8 = 32 MiB per hash, off the event loop (libuv pool); timings in docs/operator.md. */
export const DEFAULT_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const opts: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

const STORED = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Constant-time comparison; a malformed stored hash never verifies. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = STORED.exec(stored);
  if (!m) return false;
  const cost = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.log2N < 10 || cost.log2N > 20 || cost.r < 1 || cost.p < 1) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length !== KEY_LEN) return false;
  const key = await derive(password, Buffer.from(m[4]!, 'base64'), cost);
  return timingSafeEqual(key, expected);
}

export const PASSWORD_MIN_LENGTH = 10;
const PASSWORD_MAX_LENGTH = 256;

let common: Set<string> | undefined;

/**
 * The 49,233 most common passwords of breach corpora, as zxcvbn-ts ships them (lower case).
 * Loaded on first use: only account tools and the Accounts page need it.
 */
function commonPasswords(): Set<string> {
  common ??= new Set(zxcvbnCommon.dictionary.passwords);
  return common;
}

/**
 * Rules in the spirit of NIST SP 800-63B 5.1.1.2: long passphrases welcome, no composition
 * rules, and a check against a list of commonly used passwords (`password12` and `1234567890`
 * were accepted, issue 16 item 16) — also with its trailing digits and symbols taken off.
 */
export function passwordProblems(password: string, username: string): string[] {
  const problems: string[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (commonPasswords().has(lower) || (stem.length >= 4 && commonPasswords().has(stem)) || /^\d+$/.test(password) && isRun(password)) {
    problems.push('is a commonly used password: choose a longer passphrase of unrelated words');
  }
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (password.toLowerCase().includes(username.toLowerCase()) && username.length > 0) problems.push('must not contain the user name');
  if (/^(.)\1*$/u.test(password)) problems.push('must not be one repeated character');
  return problems;
}

/** Digits that only count up or down (1234567890, 9876543210). */
function isRun(digits: string): boolean {
  const step = (digits.charCodeAt(1) - digits.charCodeAt(0) + 10) % 10;
  if (step !== 1 && step !== 9) return false;
  for (let i = 1; i < digits.length; i++) if ((digits.charCodeAt(i) - digits.charCodeAt(i - 1) + 10) % 10 !== step) return false;
  return true;
}

export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;
