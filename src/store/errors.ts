import { defineErrors } from '../shared/errors.js';

/** Error codes of the detection store; each is documented in docs/store.md under "Error codes". */
export const StoreErrors = defineErrors({
  STORE_OPEN_FAILED: 'cannot open the detection database {file}: {detail}',
  STORE_SCHEMA_TOO_NEW: 'database {file} has schema version {found}; this build knows up to {known}: refusing to downgrade it',
  STORE_MIGRATION_FAILED: 'migration of {file} to schema version {version} failed: {detail}',
  STORE_NOT_STARTED: 'the detection store is not open (start() first)',
  STORE_DISK_FULL: 'the disk holding {file} is full: detection {id} was not stored',
  STORE_WRITE_FAILED: 'storing detection {id} failed: {detail}',
});
