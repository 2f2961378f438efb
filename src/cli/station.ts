/**
 * What the account and audit tools share: the station's database, found through the
 * configuration's `device` and `store` sections only, and who ran the tool (for the audit log).
 */
import { userInfo } from 'node:os';
import { openStationStore, type StationStore } from '../accounts/station-store.js';
import { loadConfigSections } from '../config/load.js';
import { UsageError, type CliIo } from './command.js';

export type { StationStore };

/** Opens the database that `--config` (or `ALPR_EDGE_CONFIG`, or the demo) names. */
export function openCliStationStore(configFile: string | undefined, io: CliIo): StationStore {
  const r = loadConfigSections(configFile ?? io.env.ALPR_EDGE_CONFIG, ['device', 'store'], io.env);
  if (!r.config) throw new UsageError(`configuration refused: ${r.errors.join('; ')}`);
  return openStationStore(r.config);
}

/** Who ran the tool, for the audit log. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
