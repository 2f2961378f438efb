import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReadsErrors } from '../../src/reads/errors.js';

describe('tracker error codes', () => {
  it('are each documented under "Error codes" in docs/reads.md', () => {
    const doc = readFileSync(new URL('../../docs/reads.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Error codes'));
    expect(doc).toContain('## Error codes');
    for (const code of Object.keys(ReadsErrors)) expect(section, code).toContain(`\`${code}\``);
  });
});
