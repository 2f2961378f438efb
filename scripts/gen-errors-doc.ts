/** Rewrites the generated part of docs/errors.md from src/error-catalogue.ts; the part above the mark is kept. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GENERATED_MARK, errorsMarkdown } from '../src/error-catalogue.js';

const out = resolve(import.meta.dirname, '..', 'docs', 'errors.md');
const current = readFileSync(out, 'utf8');
const at = current.indexOf(GENERATED_MARK);
const handWritten = (at >= 0 ? current.slice(0, at) : `${current.trimEnd()}\n\n`);
writeFileSync(out, `${handWritten}${errorsMarkdown()}`);
console.log(`wrote ${out}`);
