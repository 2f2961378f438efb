import { describe, expect, test } from 'vitest';
import { escapeLabel, metricName, prometheusText } from '../../src/http/metrics.js';
import { ManualClock } from '../../src/shared/clock.js';
import { StatusRegistry } from '../../src/status/registry.js';

describe('metric names', () => {
  test.each([
    ['alpr camera fps', 'alpr_camera_fps'],
    ['alpr recognizer latencyP99Ms', 'alpr_recognizer_latency_p99_ms'],
    ['alpr upload backlog-items', 'alpr_upload_backlog_items'],
    ['9lives', '_9lives'],
  ])('%s → %s', (input, out) => expect(metricName(...input.split(' '))).toBe(out));

  test('label values escape backslash, quote and newline', () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});

describe('exposition of the registry', () => {
  const registry = new StatusRegistry(new ManualClock(0));
  const cam = registry.reporter('camera:front', 'camera');
  cam.set('ok');
  cam.gauge('fps', 4.8);
  cam.count('frames_dropped_total', 3);
  cam.count('reconnects_total', 1);
  cam.detail('fps', 99); // a counter of the same name wins over the detail
  cam.detail('resolution', '1280x720'); // not numeric: not exported
  const up = registry.reporter('upload', 'upload');
  up.set('degraded', 'server unreachable');
  up.detail('backlog', 120);
  up.detail('linkUp', false);
  const text = prometheusText(registry.snapshot(), '1.2.3');

  test('counters, gauges, states and readiness appear with unit labels', () => {
    expect(text).toContain('alpr_camera_fps{unit="camera:front"} 4.8\n');
    expect(text).toContain('# TYPE alpr_camera_frames_dropped_total counter\nalpr_camera_frames_dropped_total{unit="camera:front"} 3\n');
    expect(text).toContain('alpr_upload_backlog{unit="upload"} 120\n');
    expect(text).toContain('alpr_upload_link_up{unit="upload"} 0\n');
    expect(text).toContain('alpr_unit_state{unit="upload",kind="upload",state="degraded"} 1\n');
    expect(text).toContain('alpr_unit_state{unit="upload",kind="upload",state="ok"} 0\n');
    expect(text).toContain('alpr_readiness{verdict="amber"} 1\n');
    expect(text).toContain('alpr_build_info{version="1.2.3"} 1\n');
    expect(text).not.toContain('99');
    expect(text).not.toContain('1280x720');
  });

  test('every family has one HELP and one TYPE line, before its samples, and the text ends with a newline', () => {
    const lines = text.trimEnd().split('\n');
    const seen = new Set<string>();
    let current = '';
    for (const l of lines) {
      const m = /^# TYPE (\S+) (gauge|counter|untyped)$/.exec(l);
      if (m) {
        expect(seen.has(m[1]!)).toBe(false);
        seen.add(m[1]!);
        current = m[1]!;
      } else if (!l.startsWith('# HELP ')) {
        expect(l.startsWith(`${current}{`) || l.startsWith(`${current} `), l).toBe(true);
        expect(l).toMatch(/^[a-z_][a-z0-9_]*(\{[^}]*\})? -?[0-9.e+-]+$/);
      }
    }
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('position is never published (issue 16 item 9)', () => {
  test('the GPS unit details lat, lon, speed and heading stay off /metrics; its other numbers stay on', () => {
    const registry = new StatusRegistry(new ManualClock(0));
    const gps = registry.reporter('gps', 'gps');
    gps.set('ok');
    // The names the GPS unit reports (src/gps/gps-unit.ts), and variants a unit might use.
    for (const [k, v] of Object.entries({ lat: 38.581234, lon: -121.494321, speed_mps: 13.4, heading_deg: 271.5, satellites: 9, hdop: 0.9, latitude: 38.5, longitudeDeg: -121.4, altitude_m: 12 })) gps.detail(k, v);
    gps.gauge('lat', 38.58);
    const text = prometheusText(registry.snapshot(), '1.2.3');
    expect(text).toContain('alpr_gps_satellites{unit="gps"} 9\n');
    expect(text).toContain('alpr_gps_hdop{unit="gps"} 0.9\n');
    expect(text).not.toMatch(/alpr_gps_(lat|lon|speed|heading|latitude|longitude|altitude)/);
    expect(text).not.toContain('38.58');
    expect(text).not.toContain('121.49');
  });
});
