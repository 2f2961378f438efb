/**
 * The detection zone: a polygon in fractions of the frame (0..1), so one configuration fits any
 * resolution the camera is switched to. Pure geometry.
 */
export type NormPoint = readonly [number, number];

/** Even-odd ray casting; points on an edge may fall either side, which a zone does not care about. */
export function insidePolygon(x: number, y: number, poly: readonly NormPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The zone in a frame's pixels (what travels with each Frame). */
export function zoneToPixels(poly: readonly NormPoint[], width: number, height: number): [number, number][] {
  return poly.map(([x, y]) => [Math.round(x * width), Math.round(y * height)]);
}
