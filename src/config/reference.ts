/**
 * The configuration reference as Markdown, generated from the schema so the documentation
 * cannot drift from the code (`npm run docs:config` writes docs/configuration.md; a test checks
 * it is current).
 */
import type { TSchema } from '@sinclair/typebox';
import { ENV_PREFIX, VERSION_ENV } from './env.js';
import { CONFIG_VERSION, MIGRATIONS } from './migrations.js';
import { SECRET_KEYWORD } from './secret.js';
import { ConfigSchema } from './schema.js';

interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  anyOf?: Node[];
  [SECRET_KEYWORD]?: boolean;
}

function typeOf(n: Node): string {
  if (n[SECRET_KEYWORD]) return 'secret';
  if (n.enum) return n.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (n.anyOf) return n.anyOf.map(typeOf).join(' \\| ');
  if (n.type === 'array') return `array of ${n.items ? typeOf(n.items) : 'any'}`;
  return Array.isArray(n.type) ? n.type.join(' \\| ') : (n.type ?? 'any');
}

function bounds(n: Node): string {
  const b: string[] = [];
  if (n.minimum !== undefined) b.push(`≥ ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) b.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined) b.push(`≤ ${n.maximum}`);
  if (n.exclusiveMaximum !== undefined) b.push(`< ${n.exclusiveMaximum}`);
  if (n.minLength !== undefined) b.push(`length ≥ ${n.minLength}`);
  if (n.maxLength !== undefined) b.push(`length ≤ ${n.maxLength}`);
  if (n.minItems !== undefined) b.push(`items ≥ ${n.minItems}`);
  if (n.maxItems !== undefined) b.push(`items ≤ ${n.maxItems}`);
  if (n.pattern !== undefined) b.push(`matches \`${n.pattern}\``);
  return b.join(', ');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function fmtDefault(n: Node, required: boolean): string {
  if (n.default === undefined) return required ? '*required*' : '';
  if (typeof n.default === 'object' && n.default !== null && Object.keys(n.default).length === 0) return '';
  return `\`${JSON.stringify(n.default)}\``;
}

function walk(n: Node, path: string, required: boolean, rows: string[], isItem = false): void {
  const isLeafObject = n.properties && Object.keys(n.properties).length > 0;
  if (path && !isLeafObject && !(n.type === 'array' && n.items?.properties)) {
    const envName = `${ENV_PREFIX}${path.replace(/\[\]/g, '_0').replace(/\./g, '_').toUpperCase()}`;
    const envCell = envName === VERSION_ENV ? '' : `\`${envName}\``;
    rows.push(`| \`${path}\` | ${typeOf(n)} | ${fmtDefault(n, required)} | ${cell(bounds(n))} | ${cell(n.description ?? '')} | ${envCell} |`);
  }
  if (n.properties) {
    if (path && !isItem) rows.push(`| **\`${path}\`** | section | | | ${cell(n.description ?? '')} | |`);
    for (const [k, child] of Object.entries(n.properties)) {
      walk(child, path ? `${path}.${k}` : k, n.required?.includes(k) ?? false, rows);
    }
  } else if (n.type === 'array' && n.items?.properties) {
    rows.push(`| **\`${path}[]\`** | list | ${fmtDefault(n, false)} | ${cell(bounds(n))} | ${cell(n.description ?? '')} | |`);
    walk(n.items, `${path}[]`, false, rows, true);
  }
}

export function configReference(schema: TSchema = ConfigSchema): string {
  const rows: string[] = [];
  walk(schema, '', false, rows);
  return [
    '# Configuration reference',
    '',
    'Generated from the schema in `src/config/` by `npm run docs:config`; do not edit by hand.',
    '',
    'One YAML file (`alpr-edge run --config FILE`, or `ALPR_EDGE_CONFIG`). Unknown keys are errors. Relative paths',
    "resolve against the file's folder. Every key can be overridden by the environment variable in the last column",
    '(array elements by index: `ALPR_EDGE_CAMERAS_0_URL`). A *secret* is `{env: VAR}`, `{file: PATH}` (e.g.',
    '`$CREDENTIALS_DIRECTORY/upload-token` with systemd `LoadCredential=`) or, for tests only, a literal string;',
    'secrets are never logged or served. `alpr-edge config-schema` prints the JSON Schema.',
    '',
    '| key | type | default | bounds | description | environment |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Versions and migration',
    '',
    `The top-level \`version\` key is the file's format; this release writes version ${CONFIG_VERSION}. A file without it is`,
    'read as version 1 (`check-config` says so). A file of an older version is migrated in memory, one step per',
    'version, and `check-config` and the daemon\'s log name each change; `alpr-edge check-config --migrate FILE`',
    'prints the file at the current version (comments kept) and its changes on standard error, so the file on the',
    'device can be replaced with it. A file of a newer version than this release knows is refused with an error on',
    '`version`: its keys may mean something this release cannot tell.',
    '',
    '| from | to | what changes |',
    '|---|---|---|',
    ...MIGRATIONS.map((m) => `| ${m.from} | ${m.from + 1} | ${cell(m.summary)} |`),
    '',
  ].join('\n');
}
