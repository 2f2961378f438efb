/** Sample detections, hits and images for the operator-station tests. */
import sharp from 'sharp';
import type { DetectionSummary, HitRecord } from '../../src/http/ports.js';
import type { MemoryDetections, MemoryHits } from './doubles.js';

export function detection(over: Partial<DetectionSummary> = {}): DetectionSummary {
  return {
    id: '01890f3e-1c2d-7abc-8def-000000000001',
    cameraId: 'front',
    text: '7TRW815',
    confidence: 0.93,
    candidates: [
      { text: '7TRW815', confidence: 0.93 },
      { text: '7TRW8I5', confidence: 0.04 },
    ],
    region: 'us',
    firstSeen: Date.UTC(2026, 5, 1, 7, 59, 58),
    lastSeen: Date.UTC(2026, 5, 1, 7, 59, 59),
    bestAt: Date.UTC(2026, 5, 1, 7, 59, 59),
    frameCount: 6,
    direction: 'approaching',
    lat: 38.5816,
    lon: -121.4944,
    positionTrusted: true,
    position: null,
    hitCount: 0,
    uploaded: false,
    evidenceHold: false,
    ...over,
  };
}

/** A real JPEG with the plate text drawn on it, so a browser can show it. */
export async function plateJpeg(text: string, width = 240, height = 80): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f5f5f0"/><rect x="4" y="4" width="${width - 8}" height="${height - 8}" fill="none" stroke="#123" stroke-width="4"/><text x="50%" y="62%" font-family="DejaVu Sans Mono" font-size="${Math.round(height * 0.45)}" text-anchor="middle" fill="#123">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

export async function overviewJpeg(text: string): Promise<Buffer> {
  const plate = await plateJpeg(text, 160, 52);
  return sharp({ create: { width: 640, height: 360, channels: 3, background: '#46505a' } })
    .composite([{ input: plate, left: 240, top: 230 }])
    .jpeg({ quality: 70 })
    .toBuffer();
}

export async function seed(detections: MemoryDetections, items: DetectionSummary[]): Promise<void> {
  for (const d of items) detections.add(d, await plateJpeg(d.text), await overviewJpeg(d.text));
}

export function hit(hits: MemoryHits, d: DetectionSummary, over: Partial<HitRecord> = {}): HitRecord {
  return hits.add({
    detectionId: d.id,
    entry: { id: 'e1', plate: d.text, state: 'CA', list: 'stolen vehicle', priority: 1, reason: 'stolen 2026-05-30', caseNumber: 'SAC-26-0042', informational: false, expiresAt: Date.UTC(2099, 0, 1) },
    generation: 'g1',
    kind: 'exact',
    readText: d.text,
    explanation: 'exact',
    informational: false,
    retroactive: false,
    createdAt: d.bestAt,
    ...over,
  });
}
