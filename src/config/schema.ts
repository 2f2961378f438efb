/**
 * The one configuration schema: TypeScript types (`Config`) and JSON Schema (`ConfigSchema`)
 * come from the same TypeBox source. Each section lives in `sections/`, next to nothing else,
 * so every domain owns its own slice.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AccountsSection } from './sections/accounts.js';
import { AlertsSection } from './sections/alerts.js';
import { CamerasSection } from './sections/camera.js';
import { DeviceSection, LogSection } from './sections/device.js';
import { GpsSection } from './sections/gps.js';
import { HotlistSection } from './sections/hotlist.js';
import { HttpSection } from './sections/http.js';
import { RecognizerSection } from './sections/recognizer.js';
import { StoreSection } from './sections/store.js';
import { TrackerSection } from './sections/tracker.js';
import { UploadSection } from './sections/upload.js';
import { CONFIG_VERSION } from './migrations.js';

export const ConfigSchema = Type.Object(
  {
    version: Type.Integer({
      default: CONFIG_VERSION,
      minimum: 1,
      maximum: CONFIG_VERSION,
      description: `Format version of this file. Without it a file is read as version 1; an older version is migrated in memory (alpr-edge check-config --migrate FILE prints the file at version ${CONFIG_VERSION}); a newer one is refused.`,
    }),
    device: DeviceSection,
    log: LogSection,
    http: HttpSection,
    cameras: CamerasSection,
    recognizer: RecognizerSection,
    tracker: TrackerSection,
    gps: GpsSection,
    hotlist: HotlistSection,
    store: StoreSection,
    upload: UploadSection,
    alerts: AlertsSection,
    accounts: AccountsSection,
  },
  { additionalProperties: false, $id: 'https://alpr-edge.example/config.schema.json', title: 'alpr-edge configuration' },
);

export type Config = Static<typeof ConfigSchema>;
