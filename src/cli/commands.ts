/**
 * The subcommand table. Modules load lazily so `--help` and `check-config` stay fast and do not
 * pull in onnxruntime or SQLite.
 */
import type { CliCommand, ServiceCommand } from './command.js';

interface Entry {
  summary: string;
  load: () => Promise<CliCommand | ServiceCommand>;
}

export const COMMANDS: Record<string, Entry> = {
  run: { summary: 'run the daemon (the embedded demo configuration when no --config is given)', load: async () => (await import('./run.js')).command },
  'check-config': { summary: 'validate a configuration file; prints every problem as `path: message`', load: async () => (await import('./check-config.js')).command },
  'config-schema': { summary: 'print the configuration JSON Schema', load: async () => (await import('./config-schema.js')).command },
  doctor: { summary: "print a running daemon's readiness; exit non-zero unless green", load: async () => (await import('./doctor.js')).command },
  recognize: { summary: 'read plates in image files (JSON lines)', load: async () => (await import('./recognize.js')).command },
  discover: { summary: 'list ONVIF cameras on the local network (WS-Discovery)', load: async () => (await import('./discover.js')).command },
  receiver: { summary: 'run the reference upload receiver (central-server contract)', load: async () => (await import('./receiver.js')).command },
  user: { summary: 'manage local accounts (user add|list|passwd|disable)', load: async () => (await import('./user.js')).command },
  audit: { summary: 'audit log tools (audit verify)', load: async () => (await import('./audit.js')).command },
  central: { summary: 'run or administer the central (agency) side: PostgreSQL, JetStream, device tokens', load: async () => (await import('./central.js')).command },
  token: { summary: 'print a new random token (monitoring, receiver devices)', load: async () => (await import('./token.js')).command },
};
