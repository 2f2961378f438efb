import { parseArgs } from 'node:util';
import { fetch } from 'undici';
import { loadConfigFile } from '../config/load.js';
import { httpAgent, requestSignal, withBearer } from '../shared/http-client.js';
import type { StatusSnapshot } from '../status/registry.js';
import { UsageError, type CliCommand } from './command.js';

/** A daemon on this machine answers within milliseconds; 5 s covers a loaded one. */
const DOCTOR_TIMEOUT_MS = 5_000;

export const command: CliCommand = {
  name: 'doctor',
  summary: "print a running daemon's readiness",
  usage: 'alpr-edge doctor [--url http://127.0.0.1:8080] [--config FILE] [--json]   (token: http.monitor_token of the config, or ALPR_EDGE_MONITOR_TOKEN)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { url: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    let base: string | undefined = values.url;
    // /api/status needs a session or the monitoring token (http.monitor_token).
    let token = io.env.ALPR_EDGE_MONITOR_TOKEN ?? null;
    if (!base || !token) {
      const r = loadConfigFile(values.config ?? io.env.ALPR_EDGE_CONFIG, io.env);
      if (!r.config && !base) throw new UsageError(`cannot find the daemon's address: ${r.errors.join('; ')}`);
      if (r.config) {
        token ??= r.config.http.monitor_token?.reveal() ?? null;
        const host = r.config.http.host === '0.0.0.0' ? '127.0.0.1' : r.config.http.host;
        const scheme = r.config.http.tls_cert_file ? 'https' : 'http';
        base ??= `${scheme}://${host.includes(':') ? `[${host}]` : host}:${r.config.http.port}`;
      }
    }
    let snap: StatusSnapshot & { version?: string };
    // The daemon's agent setup; closed after the answer, or a kept-alive socket would hold the command open.
    const agent = httpAgent({ timeoutMs: DOCTOR_TIMEOUT_MS });
    try {
      const res = await fetch(new URL('/api/status', base), { signal: requestSignal(DOCTOR_TIMEOUT_MS).signal, headers: withBearer({}, token), dispatcher: agent });
      if (res.status === 401 || res.status === 403) throw new Error(`HTTP ${res.status}: set http.monitor_token in the config (or ALPR_EDGE_MONITOR_TOKEN)`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      snap = (await res.json()) as StatusSnapshot & { version?: string };
    } catch (err) {
      io.err(`doctor: cannot reach the daemon at ${base}: ${err instanceof Error ? err.message : String(err)}`);
      return 3;
    } finally {
      await agent.destroy();
    }
    if (values.json) {
      io.out(JSON.stringify(snap));
    } else {
      io.out(`readiness: ${snap.readiness.verdict.toUpperCase()}  (version ${snap.version ?? '?'}, up ${snap.uptime_s} s)`);
      for (const r of snap.readiness.reasons) io.out(`  ! ${r}`);
      for (const u of snap.units) {
        io.out(`  ${u.name.padEnd(24)} ${u.state.padEnd(9)} ${u.message}`);
      }
    }
    return snap.readiness.verdict === 'green' ? 0 : snap.readiness.verdict === 'amber' ? 1 : 2;
  },
};
