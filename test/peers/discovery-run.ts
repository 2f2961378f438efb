/**
 * Runs inside a private network namespace (see test/camera/discovery.test.ts): starts the ONVIF
 * simulator with its WS-Discovery responder on loopback, runs `alpr-edge discover` twice (JSON
 * and text) and prints what it wrote as one JSON line. Multicast never leaves the namespace.
 */
import { command } from '../../src/cli/discover.js';
import { OnvifSim } from './onvif-sim.js';

const sim = new OnvifSim({ username: 'admin', password: 'x', name: 'Gate North', hardware: 'SIM-4K', profiles: [{ token: 'p', name: 'P', width: 640, height: 360, streamUri: 'rtsp://127.0.0.1/none' }] });
await sim.start();
await sim.startDiscovery();
const run = async (args: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
};
const json = await run(['--json', '--timeout-ms', '800']);
const text = await run(['--timeout-ms', '800']);
await sim.stop();
process.stdout.write(`${JSON.stringify({ json, text, urn: sim.urn, xaddr: sim.deviceUrl })}\n`);
