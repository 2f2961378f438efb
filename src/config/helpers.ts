import { Type, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

/** A string enum as plain JSON Schema `enum` (what Ajv and the generated docs read best). */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Marker keyword for file-system paths: the loader resolves relative ones against the config file's folder. */
export const PATH_KEYWORD = 'x-path';

/** A file-system path; relative values resolve against the folder of the config file. */
export function PathString(options: SchemaOptions = {}): TUnsafe<string> {
  return Type.Unsafe<string>({ type: 'string', [PATH_KEYWORD]: true, ...options });
}
