/**
 * Prometheus text exposition (format 0.0.4) of the status registry: every unit's state, its
 * counters and its numeric details (camera fps, drops, reconnects, recognizer latency, queue
 * depths, upload backlog, hits ...). Units name their own counters; this only maps them to
 * `alpr_<kind>_<name>{unit="..."}` without knowing any unit, except that position and motion
 * details are left out (issue 16 item 9: live latitude, longitude, speed and heading were published).
 */
import type { StatusSnapshot, UnitState } from '../status/registry.js';

const STATES: readonly UnitState[] = ['starting', 'ok', 'degraded', 'down', 'failed', 'stopped', 'disabled'];

/**
 * Details that say where the device is or how it moves: personal data of the officer in the car
 * (and, with a hit, of the driver followed). Never exported, whatever unit reports them; the
 * status page behind a login shows them.
 */
const POSITION_DETAIL = /^(lat|lon|lng|latitude|longitude|alt|altitude|speed|heading|course|track|bearing|position|location|coords?)(_|$)/i;

export function isPositionDetail(name: string): boolean {
  return POSITION_DETAIL.test(name) || POSITION_DETAIL.test(metricName(name));
}

interface Family {
  help: string;
  type: 'gauge' | 'counter' | 'untyped';
  samples: string[];
}

export function metricName(...parts: string[]): string {
  const name = parts
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return /^[a-z_]/.test(name) ? name : `_${name}`;
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

export function prometheusText(snap: StatusSnapshot, version: string): string {
  const families = new Map<string, Family>();
  const add = (name: string, help: string, type: Family['type'], l: Record<string, string>, value: number): void => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help, type, samples: [] }));
    f.samples.push(`${name}${labels(l)} ${formatValue(value)}`);
  };

  add('alpr_build_info', 'Daemon version.', 'gauge', { version }, 1);
  add('alpr_uptime_seconds', 'Seconds since the daemon started.', 'gauge', {}, snap.uptime_s);
  for (const v of ['green', 'amber', 'red'] as const) {
    add('alpr_readiness', 'Readiness verdict: 1 for the current one.', 'gauge', { verdict: v }, snap.readiness.verdict === v ? 1 : 0);
  }
  for (const u of snap.units) {
    for (const s of STATES) add('alpr_unit_state', 'Unit state: 1 for the current one.', 'gauge', { unit: u.name, kind: u.kind, state: s }, u.state === s ? 1 : 0);
    add('alpr_unit_errors_present', '1 when the unit has recorded an error.', 'gauge', { unit: u.name, kind: u.kind }, u.lastError ? 1 : 0);
    const taken = new Set<string>();
    for (const [k, value] of Object.entries(u.counters)) {
      if (isPositionDetail(k)) continue;
      const name = metricName('alpr', u.kind, k);
      taken.add(name);
      const type = name.endsWith('_total') ? 'counter' : 'untyped';
      add(name, `${u.kind} counter ${k}.`, type, { unit: u.name }, value);
    }
    for (const [k, value] of Object.entries(u.details)) {
      if (typeof value !== 'number' && typeof value !== 'boolean') continue;
      if (isPositionDetail(k)) continue;
      const name = metricName('alpr', u.kind, k);
      if (taken.has(name)) continue;
      add(name, `${u.kind} ${k}.`, 'gauge', { unit: u.name }, typeof value === 'boolean' ? Number(value) : value);
    }
  }

  const out: string[] = [];
  for (const [name, f] of families) {
    out.push(`# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${f.type}`, ...f.samples);
  }
  return `${out.join('\n')}\n`;
}
