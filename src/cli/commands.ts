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
  recognize: { summary: 'read plates in image files (JSON lines)', load: () => loadOptional('./recognize.js') },
  discover: { summary: 'list ONVIF cameras on the local network (WS-Discovery)', load: () => loadOptional('./discover.js') },
  receiver: { summary: 'run the reference upload receiver (central-server contract)', load: () => loadOptional('./receiver.js') },
  user: { summary: 'manage local accounts (user add|list|passwd|disable)', load: () => loadOptional('./user.js') },
  audit: { summary: 'audit log tools (audit verify)', load: () => loadOptional('./audit.js') },
  central: { summary: 'run or administer the central (agency) side: PostgreSQL, JetStream, device tokens', load: () => loadOptional('./central.js') },
  token: { summary: 'print a new random token (monitoring, receiver devices)', load: async () => (await import('./token.js')).command },
};

async function loadOptional(path: string): Promise<CliCommand> {
  const mod = (await import(path)) as { command: CliCommand };
  return mod.command;
}
