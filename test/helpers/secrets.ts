import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Environment under which the example configs' secrets resolve (as systemd would provide). */
export function exampleSecretsEnv(dir: string): NodeJS.ProcessEnv {
  for (const name of ['camera-rear-password', 'upload-token']) writeFileSync(join(dir, name), `test-${name}\n`);
  return { CREDENTIALS_DIRECTORY: dir, CAMERA_FRONT_PASSWORD: 'x', CAMERA_NB_PASSWORD: 'x', CAMERA_SB_PASSWORD: 'x' };
}
