import { inspect } from 'node:util';
import { Type, type TSchema } from '@sinclair/typebox';

/**
 * A resolved secret (RTSP password, upload token). Its value is only reachable through
 * `reveal()`: JSON, `util.inspect` and template strings all print `[redacted]`, so a config
 * object can be logged or served without leaking it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Marker keyword the loader uses to find secret fields. */
export const SECRET_KEYWORD = 'x-secret';

/**
 * Schema of a secret field. In YAML: `{env: VAR}` (read from the environment), `{file: PATH}`
 * (read from a file, e.g. systemd's LoadCredential= under $CREDENTIALS_DIRECTORY), or a literal
 * string (tests and demos only). The loader replaces it with a `Secret`.
 */
export function SecretRef(description: string): TSchema & { static: Secret } {
  return Type.Unsafe<Secret>({
    [SECRET_KEYWORD]: true,
    description,
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'object', properties: { env: { type: 'string', minLength: 1 } }, required: ['env'], additionalProperties: false },
      { type: 'object', properties: { file: { type: 'string', minLength: 1 } }, required: ['file'], additionalProperties: false },
    ],
  });
}
