/**
 * Environment overrides: `ALPR_EDGE_HTTP_PORT=9000` sets `http.port`. The variable name is the
 * key path upper-cased and joined with `_`; array elements take their index
 * (`ALPR_EDGE_CAMERAS_0_URL`). Key names may contain `_` themselves, so the path is found by
 * matching against the schema, longest key first. Values are parsed by the target's type;
 * objects and arrays take JSON.
 */
import type { TSchema } from '@sinclair/typebox';

export const ENV_PREFIX = 'ALPR_EDGE_';
/** Variables with the prefix that are not config keys (`USE_DIST`: bin/alpr-edge.js runs dist/ instead of the sources). */
export const RESERVED_ENV = new Set(['ALPR_EDGE_CONFIG', 'ALPR_EDGE_USE_DIST']);
/** `version` is the file's format (read before the overrides apply), so no variable sets it. */
export const VERSION_ENV = `${ENV_PREFIX}VERSION`;

type JsonSchema = TSchema & {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

export interface EnvOverride {
  variable: string;
  path: (string | number)[];
  value: unknown;
}

export function envOverrides(schema: TSchema, env: NodeJS.ProcessEnv): { overrides: EnvOverride[]; errors: string[] } {
  const overrides: EnvOverride[] = [];
  const errors: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.has(name) || raw === undefined) continue;
    if (name === VERSION_ENV) {
      errors.push(`${name}: the format version belongs to the file (its version key), not to the environment`);
      continue;
    }
    const tokens = name.slice(ENV_PREFIX.length).split('_');
    const found = resolvePath(schema, tokens);
    if (!found) {
      errors.push(`${name}: no configuration key matches this variable`);
      continue;
    }
    const parsed = parseValue(found.schema, raw);
    if ('error' in parsed) {
      errors.push(`${name}: ${parsed.error}`);
      continue;
    }
    overrides.push({ variable: name, path: found.path, value: parsed.value });
  }
  return { overrides, errors };
}

function resolvePath(schema: JsonSchema, tokens: string[]): { path: (string | number)[]; schema: JsonSchema } | null {
  if (tokens.length === 0) return { path: [], schema };
  if (schema.properties) {
    const keys = Object.keys(schema.properties).sort((a, b) => b.length - a.length);
    for (const key of keys) {
      const parts = key.toUpperCase().split('_');
      if (parts.length > tokens.length) continue;
      if (parts.every((p, i) => p === tokens[i])) {
        const rest = resolvePath(schema.properties[key]!, tokens.slice(parts.length));
        if (rest) return { path: [key, ...rest.path], schema: rest.schema };
      }
    }
    return null;
  }
  if (schema.items && /^\d+$/.test(tokens[0]!)) {
    const rest = resolvePath(schema.items, tokens.slice(1));
    return rest ? { path: [Number(tokens[0]), ...rest.path], schema: rest.schema } : null;
  }
  return null;
}

function parseValue(schema: JsonSchema, raw: string): { value: unknown } | { error: string } {
  // A union such as `'auto' | integer`: a numeric text goes to a numeric branch, else a string.
  if (!schema.type && schema.anyOf) {
    const numeric = schema.anyOf.find((b) => b.type === 'integer' || b.type === 'number');
    if (numeric && raw.trim() !== '' && Number.isFinite(Number(raw))) return parseValue(numeric, raw);
    return { value: raw };
  }
  const type = (Array.isArray(schema.type) ? schema.type[0] : schema.type) ?? 'string';
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) return { error: `"${raw}" is not a number` };
      return { value: n };
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return { value: true };
      if (/^(false|0|no|off)$/i.test(raw)) return { value: false };
      return { error: `"${raw}" is not a boolean (true/false)` };
    case 'array':
    case 'object':
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch {
        return { error: `expected JSON for this ${type}` };
      }
    default:
      return { value: raw };
  }
}

export function setPath(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
