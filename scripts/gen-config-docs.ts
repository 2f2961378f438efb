import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configReference } from '../src/config/reference.js';

const out = resolve(import.meta.dirname, '..', 'docs', 'configuration.md');
writeFileSync(out, configReference());
console.log(`wrote ${out}`);
