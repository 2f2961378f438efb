/**
 * One catalogue of error codes. Each domain declares its codes with `defineErrors` in its own
 * `errors.ts`, and src/error-catalogue.ts lists the domains with the page that explains their
 * codes; `docs/errors.md` is generated from it (`npm run docs:errors`), and a test checks that
 * it is current and that every code is explained on its domain's page.
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

/** The foundation's codes, carried by the boundary errors: `ConfigError` (config/load.ts),
 *  `UnitStartError` (lifecycle.ts) and `UsageError` (cli/command.ts). */
export const CoreErrors = defineErrors({
  CONFIG_INVALID: '{source}: invalid configuration: {detail}',
  CONFIG_UNREADABLE: '{source}: cannot read the configuration: {detail}',
  UNIT_START_FAILED: 'unit {unit} failed to start: {detail}',
  CLI_USAGE: '{detail}',
});

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
