/**
 * Nullable body fields as JSON Schema type lists. fastify's Ajv coerces types, and inside an
 * `anyOf` it coerces with the first branch: `anyOf [number, null]` turns a null "from" into 0
 * (which emptied every search sent from the page). A type list matches null as null.
 */
import { Type, type TUnsafe } from '@sinclair/typebox';

export function NullableString(maxLength: number): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength });
}

export function NullableNumber(): TUnsafe<number | null> {
  return Type.Unsafe<number | null>({ type: ['number', 'null'] });
}
