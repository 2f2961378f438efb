/**
 * Loading: YAML file (or the embedded demo) → environment overrides → validation with defaults
 * → secrets and paths resolved → cross-field checks. Every problem is reported at once as
 * `path: message`; a config with any problem is refused whole.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ErrorObject } from 'ajv';
import { Document, parse, parseDocument } from 'yaml';
import { crossChecks } from './checks.js';
import { envOverrides, setPath } from './env.js';
import { PATH_KEYWORD } from './helpers.js';
import { migrateConfig } from './migrations.js';
import { ConfigSchema, type Config } from './schema.js';
import { AlprError, CoreErrors, errorMessage } from '../shared/errors.js';
import { SECRET_KEYWORD, Secret } from './secret.js';

// ajv ships CommonJS; under NodeNext its default export is the module object.
const Ajv = AjvModule.default;

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The version in package.json (what `--version` prints and the daemon reports). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

/** The embedded configuration `run` uses when no file is given: the demo. */
export const DEMO_CONFIG = resolve(PACKAGE_ROOT, 'config', 'demo.yaml');

export interface LoadResult {
  config: Config | null;
  errors: string[];
  /** Where the configuration came from (file path). */
  source: string;
  /** True when the file itself could not be read (nothing was validated). */
  unreadable?: boolean;
  /** What the loader did besides reading (a missing `version`, migration steps applied in memory). */
  notes?: string[];
}

/** A refused configuration, with every problem as `path: message`. */
export class ConfigError extends AlprError {
  constructor(
    readonly source: string,
    readonly errors: string[],
    code: typeof CoreErrors.CONFIG_INVALID | typeof CoreErrors.CONFIG_UNREADABLE = CoreErrors.CONFIG_INVALID,
  ) {
    super(code, { source, detail: errors.join('; ') });
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: SECRET_KEYWORD });
ajv.addKeyword({ keyword: PATH_KEYWORD });
const validate = ajv.compile(ConfigSchema);

export function loadConfigFile(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadResult {
  const source = file ?? DEMO_CONFIG;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    return { config: null, errors: [`${source}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`], source, unreadable: true };
  }
  return loadConfigText(text, dirname(resolve(source)), env, source);
}

export function loadConfigText(text: string, baseDir: string, env: NodeJS.ProcessEnv = {}, source = '<config>'): LoadResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      config: null,
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}` : 'yaml'}: ${e.message.split('\n')[0]}`;
      }),
      source,
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { config: null, errors: ['(root): must be a mapping of sections (device, cameras, gps ...)'], source };
  }
  return loadConfigObject(raw as Record<string, unknown>, baseDir, env, source);
}

export function loadConfigObject(
  raw: Record<string, unknown>,
  baseDir: string,
  env: NodeJS.ProcessEnv = {},
  source = '<config>',
): LoadResult {
  // Migrated on a copy (a YAML document of it), before the environment: variables name keys
  // of the current version.
  const doc = new Document(raw);
  const migrated = migrateConfig(doc);
  if (!migrated.ok) return { config: null, errors: [migrated.error], source };
  const data = doc.toJS() as Record<string, unknown>;
  const notes = migrated.notes;
  const { overrides, errors: envErrors } = envOverrides(ConfigSchema, env);
  for (const o of overrides) setPath(data, o.path, o.value);

  const errors = [...envErrors];
  if (!validate(data)) errors.push(...formatAjvErrors(validate.errors ?? []));
  if (errors.length > 0) return { config: null, errors: dedupe(errors), source };

  const config = data as unknown as Config;
  errors.push(...resolveMarked(ConfigSchema as unknown as Walkable, config, [], baseDir, env));
  for (const check of crossChecks) errors.push(...check(config));
  return errors.length > 0 ? { config: null, errors: dedupe(errors), source } : { config, errors: [], source, notes };
}

/**
 * Only the named sections of a configuration file (the others take no part and are not
 * validated), with only their environment overrides: the account and audit tools need
 * `device` and `store`, and no camera password or upload token, so they run before systemd
 * provides those (the README's first-administrator command failed on the patrol-car profile
 * for want of them).
 */
export function loadConfigSections(file: string | undefined, sections: readonly string[], env: NodeJS.ProcessEnv = process.env): LoadResult {
  const source = file ?? DEMO_CONFIG;
  let raw: unknown;
  try {
    raw = parse(readFileSync(source, 'utf8')) ?? {};
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { config: null, errors: [`${source}: ${code ? `cannot read: ${code}` : `not valid YAML: ${errorMessage(err).split('\n')[0]}`}`], source };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { config: null, errors: [`${source}: must be a mapping of sections`], source };
  const all = raw as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const name of ['version', ...sections]) if (all[name] !== undefined) picked[name] = all[name];
  const own = new RegExp(`^ALPR_EDGE_(${sections.map((n) => n.toUpperCase()).join('|')})_`);
  const envOnly = Object.fromEntries(Object.entries(env).filter(([k]) => own.test(k) || !k.startsWith('ALPR_EDGE_')));
  return loadConfigObject(picked, dirname(resolve(source)), envOnly, source);
}

/** Loads or throws `ConfigError` listing every problem. */
export function loadConfigOrThrow(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  const r = loadConfigFile(file, env);
  if (!r.config) throw new ConfigError(r.source, r.errors, r.unreadable ? CoreErrors.CONFIG_UNREADABLE : CoreErrors.CONFIG_INVALID);
  return r.config;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Keys a release removed, with what took their place, so that an older configuration's error
 *  says what to change. */
const REMOVED_KEYS: Readonly<Record<string, string>> = {
  'recognizer.queue_size': 'removed: frames wait in one queue per camera, set cameras[].queue_size instead',
};

function formatAjvErrors(errs: ErrorObject[]): string[] {
  const out: string[] = [];
  // Errors inside anyOf branches are noise when the anyOf itself failed; keep the anyOf line.
  const anyOfPaths = new Set(errs.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errs) {
    const path = pointerToPath(e.instancePath);
    if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath) && e.schemaPath.includes('/anyOf/')) continue;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = formatPath([...path, String(e.params.additionalProperty)]);
        out.push(`${key}: ${REMOVED_KEYS[key] ?? 'unknown key'}`);
        break;
      }
      case 'required':
        out.push(`${formatPath([...path, String(e.params.missingProperty)])}: is required`);
        break;
      case 'enum':
        out.push(`${formatPath(path)}: must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`);
        break;
      case 'anyOf':
        out.push(`${formatPath(path)}: ${describeAnyOf(e)}`);
        break;
      default:
        out.push(`${formatPath(path)}: ${e.message ?? e.keyword}`);
    }
  }
  return out;
}

function describeAnyOf(e: ErrorObject): string {
  const schema = e.parentSchema;
  if (schema?.[SECRET_KEYWORD]) return 'must be a string, {env: VARIABLE} or {file: PATH}';
  return 'does not match any allowed form';
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

type Walkable = {
  properties?: Record<string, Walkable>;
  items?: Walkable;
  [SECRET_KEYWORD]?: boolean;
  [PATH_KEYWORD]?: boolean;
};

/** Replaces secret references by `Secret`s and makes marked paths absolute, in place. */
function resolveMarked(schema: Walkable, value: unknown, path: (string | number)[], baseDir: string, env: NodeJS.ProcessEnv): string[] {
  const errors: string[] = [];
  const visit = (sub: Walkable, v: unknown, p: (string | number)[], assign: (nv: unknown) => void): void => {
    if (sub[SECRET_KEYWORD] && v !== undefined) {
      const r = resolveSecret(v, env);
      if ('error' in r) errors.push(`${formatPath(p)}: ${r.error}`);
      else assign(r.secret);
    } else if (sub[PATH_KEYWORD] && typeof v === 'string' && v !== '' && !isAbsolute(v)) {
      assign(resolve(baseDir, v));
    } else if (sub.properties && v && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      for (const [k, child] of Object.entries(sub.properties)) {
        if (obj[k] !== undefined) visit(child, obj[k], [...p, k], (nv) => (obj[k] = nv));
      }
    } else if (sub.items && Array.isArray(v)) {
      const arr = v as unknown[];
      arr.forEach((item, i) => visit(sub.items!, item, [...p, i], (nv) => (arr[i] = nv)));
    }
  };
  visit(schema, value, path, () => undefined);
  return errors;
}

function resolveSecret(value: unknown, env: NodeJS.ProcessEnv): { secret: Secret } | { error: string } {
  if (value instanceof Secret) return { secret: value };
  if (typeof value === 'string') return { secret: new Secret(value) };
  const ref = value as { env?: string; file?: string };
  if (ref.env !== undefined) {
    const v = env[ref.env];
    return v ? { secret: new Secret(v) } : { error: `environment variable ${ref.env} is not set` };
  }
  if (ref.file !== undefined) {
    const file = ref.file.replace(/^\$CREDENTIALS_DIRECTORY/, env.CREDENTIALS_DIRECTORY ?? '$CREDENTIALS_DIRECTORY');
    try {
      const v = readFileSync(file, 'utf8').trim();
      return v ? { secret: new Secret(v) } : { error: `secret file ${file} is empty` };
    } catch (err) {
      return { error: `cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    }
  }
  return { error: 'must be a string, {env: VARIABLE} or {file: PATH}' };
}
