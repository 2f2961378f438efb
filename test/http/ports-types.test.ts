/**
 * The station's ports use the store's records as they are (issue 14 item 5): a copy of a store
 * type in http/ports.ts drifts (the copied HitRecord had lost `readText`, and `position` was
 * `unknown`). This reads the sources and fails on any name both declare.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const DECLARED = /^export\s+(?:interface|type|class|enum)\s+([A-Za-z_]\w*)\b/gm;

function declaredNames(text: string): string[] {
  return [...text.matchAll(DECLARED)].map((m) => m[1]!);
}

describe('http/ports.ts', () => {
  it('declares none of the types the store declares (it imports them)', () => {
    const storeNames = new Set(readdirSync(join(SRC, 'store')).filter((f) => f.endsWith('.ts')).flatMap((f) => declaredNames(readFileSync(join(SRC, 'store', f), 'utf8'))));
    expect(storeNames.has('HitRecord')).toBe(true); // the scan sees the store's records
    const ports = readFileSync(join(SRC, 'http/ports.ts'), 'utf8');
    expect(declaredNames(ports).filter((n) => storeNames.has(n))).toEqual([]);
  });

  it('lets a stored hit through with every field the store gives it', async () => {
    const ports = await import('../../src/http/ports.js');
    expect(ports.HIT_OUTCOMES).toEqual(['confirmed', 'misread', 'not_vehicle']);
    // Compile-time: a port HitRecord is the store's HitRecord (readText is part of it).
    const hit: import('../../src/http/ports.js').HitRecord = {} as import('../../src/store/hits-repo.js').HitRecord;
    const back: import('../../src/store/hits-repo.js').HitRecord = hit;
    expect(back).toBe(hit);
  });
});
