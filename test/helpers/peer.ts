/**
 * Tests that need a peer this machine may not provide (a tmpfs mount needs root, a private
 * network namespace needs `unshare`). On a developer's machine they skip with a message; under
 * `CI=true` a missing peer is an error, so a CI image that lost a capability fails loudly instead
 * of reporting green with a suite silently gone.
 */

/** True when the environment says this is a CI run (`CI` set to anything but '', '0' or 'false'). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/**
 * Whether tests needing `peer` are to be skipped: false when it is available; true (with a
 * warning) when it is not; throws under CI. Use as `describe.skipIf(skipWithout(...))`.
 */
export function skipWithout(peer: string, available: boolean, why = '', env: NodeJS.ProcessEnv = process.env): boolean {
  if (available) return false;
  const reason = `${peer} is not available here${why ? ` (${why})` : ''}`;
  if (isCi(env)) throw new Error(`${reason}; under CI=true the tests that need it fail instead of skipping`);
  console.warn(`skipped: ${reason}`);
  return true;
}
