/**
 * One catalogue of error codes. Each domain declares its codes with `defineErrors` in its own
 * `errors.ts`; `docs/errors.md` documents every code, and a test checks that it does.
 * Codes are stable: tools and the operator page key on them, so never rename one.
 */
export interface ErrorDef {
  /** Human message; `{name}` placeholders are filled from the `params` of `AlprError`. */
  message: string;
}

const catalogue = new Map<string, ErrorDef>();

export function defineErrors<const T extends Record<string, string>>(defs: T): { [K in keyof T]: K } {
  const out: Record<string, string> = {};
  for (const [code, message] of Object.entries(defs)) {
    if (catalogue.has(code)) throw new Error(`error code ${code} defined twice`);
    catalogue.set(code, { message });
    out[code] = code;
  }
  return out as { [K in keyof T]: K };
}

export function errorCatalogue(): ReadonlyMap<string, ErrorDef> {
  return catalogue;
}

export class AlprError extends Error {
  constructor(
    readonly code: string,
    params: Record<string, string | number> = {},
    options?: ErrorOptions,
  ) {
    const def = catalogue.get(code);
    const template = def?.message ?? code;
    super(
      template.replace(/\{(\w+)\}/g, (_, k: string) => (k in params ? String(params[k]) : `{${k}}`)),
      options,
    );
    this.name = 'AlprError';
  }
}

export const CoreErrors = defineErrors({
  CONFIG_INVALID: 'configuration is invalid: {detail}',
  CONFIG_UNREADABLE: 'cannot read configuration file {file}: {detail}',
  CONFIG_SECRET_UNREADABLE: 'cannot read secret for {path} from {source}: {detail}',
  UNIT_START_FAILED: 'unit {unit} failed to start: {detail}',
  CLI_USAGE: '{detail}',
});

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
