/**
 * What the receiver supports beyond version 1, as it announced at GET v1/capabilities: asked when
 * the link first answers and again every 30 minutes. A receiver without the route (404, 405, 501)
 * supports nothing more; no answer leaves it unknown, and the next use asks again.
 */
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { UploadClient } from './http-client.js';
import type { Feature, WireCapabilities } from './wire.js';

/** How long a receiver's announced capabilities are trusted before asking again. */
const CAPABILITIES_TTL_MS = 30 * 60_000;

export interface ReceiverFeaturesDeps {
  deviceId: string;
  clock: Clock;
  status: StatusReporter;
  logger: Logger;
  /** Time limit of a request without a body (the link's). */
  timeoutMs: () => number;
}

export class ReceiverFeatures {
  /** null until the receiver answered. */
  private features: Set<string> | null = null;
  private askedAt = 0;

  constructor(private readonly deps: ReceiverFeaturesDeps) {}

  /** The receiver has answered (or has no capabilities route). */
  get known(): boolean {
    return this.features !== null;
  }

  has(feature: Feature): boolean {
    return this.features?.has(feature) === true;
  }

  /** The receiver turned out not to have a feature it announced: without it until asked again. */
  drop(feature: Feature): void {
    this.features?.delete(feature);
  }

  /** Asks the receiver, unless its answer is younger than the TTL; `client` null: stopping. */
  async ask(client: UploadClient | null): Promise<void> {
    const { clock } = this.deps;
    if (this.features !== null && clock.now() - this.askedAt < CAPABILITIES_TTL_MS) return;
    if (!client) return;
    try {
      const ans = await client.send('GET', 'v1/capabilities', { 'x-device-id': this.deps.deviceId }, null, this.deps.timeoutMs());
      const body = ans.body as Partial<WireCapabilities> | null;
      if (ans.status === 200 && body && Array.isArray(body.features)) this.features = new Set(body.features.filter((f): f is string => typeof f === 'string'));
      else if (ans.status === 404 || ans.status === 405 || ans.status === 501) this.features = new Set();
      else return;
      this.askedAt = clock.now();
      this.deps.status.detail('receiver_features', [...this.features].sort().join(',') || 'none (version 1)');
    } catch (err) {
      this.deps.logger.debug({ err: errorMessage(err) }, 'capabilities not known yet');
    }
  }
}
