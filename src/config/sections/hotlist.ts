import { Type } from '@sinclair/typebox';

export const HotlistSection = Type.Object(
  {
    files: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Hot-list files (CSV or JSON lines) loaded at start.' }),
  },
  { additionalProperties: false, default: {}, description: 'Hot lists and matching.' },
);
