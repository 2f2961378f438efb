import { Type } from '@sinclair/typebox';

export const StoreSection = Type.Object(
  {
    database: Type.String({ default: 'alpr.db', minLength: 1, description: 'SQLite file, relative to device.data_dir.' }),
  },
  { additionalProperties: false, default: {}, description: 'Detection store.' },
);
