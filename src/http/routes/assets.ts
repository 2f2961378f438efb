/**
 * The page scripts and style sheet, from `pages/assets/` (no build step, no CDN). Read once when
 * the server is built; served by name from that fixed set only, so no path reaches the disk.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyPluginCallback } from 'fastify';
import type { HttpContext } from '../context.js';
import { fail } from './reply.js';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

export const ASSETS_DIR = new URL('../pages/assets/', import.meta.url);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export function loadAssets(dir: URL = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.split('.').pop() ?? ''];
    if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
    const body = readFileSync(new URL(name, dir));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  }
  return assets;
}

export const assetRoutes: FastifyPluginCallback<HttpContext> = (app, _ctx, done) => {
  const assets = loadAssets();
  app.get<{ Params: { name: string } }>('/assets/:name', { config: { access: { kind: 'public' } } }, (req, reply) => {
    const a = assets.get(req.params.name);
    if (!a) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'asset' });
    reply.header('etag', a.etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  });
  done();
};
