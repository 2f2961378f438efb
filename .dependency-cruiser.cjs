/**
 * The import rules of the house (run by `npm run check:deps`, part of `npm test`):
 *
 * - no value-import cycle: a cycle that is still a cycle at run time (every step a value import)
 *   is an error; one with an `import type` step anywhere vanishes at run time with the types, so
 *   it is allowed (the http context/server/routes and config sections have such cycles);
 * - stages import forward only, with the data:
 *     gps, camera → recognizer → reads → hotlist, pipeline → store → upload
 *   a stage may import the types of an earlier stage, never anything of a later one;
 * - the ground floor (shared, status, config, plate) imports no stage and nothing above it;
 * - no stage imports http/, cli/, app.ts, store-ports.ts or main.ts: only the composition root wires them;
 * - cli/ never imports http/: what both need (accounts, passwords, the audit log's export) lives
 *   in a domain module they share (src/accounts/), and accounts/ imports neither of them.
 */
const STAGES = [['gps', 'camera'], ['recognizer'], ['reads'], ['hotlist', 'pipeline'], ['store'], ['upload']];
/** The detection junction hands detections and hits to the store and publishes what was stored,
 *  so it may name the store's row types; it never runs store code (app.ts passes the store in). */
const TYPES_ONLY_FORWARD = { pipeline: ['store'] };
const GROUND = ['shared', 'status', 'config', 'plate'];
const TOP = ['http', 'cli', 'receiver', 'central'];

const dir = (names) => `^src/(${names.join('|')})/`;

const forward = STAGES.flatMap((floor, i) =>
  floor.flatMap((stage) => {
    const later = STAGES.slice(i + 1).flat();
    const typesOnly = TYPES_ONLY_FORWARD[stage] ?? [];
    const never = later.filter((s) => !typesOnly.includes(s));
    const rule = (names, extra) => ({
      name: `stage-order-${stage}`,
      comment: `${stage} comes before ${later.join(', ')} in the data flow: import forward only`,
      severity: 'error',
      from: { path: dir([stage]) },
      to: { path: dir(names), ...extra },
    });
    return [...(never.length > 0 ? [rule(never, {})] : []), ...(typesOnly.length > 0 ? [rule(typesOnly, { dependencyTypesNot: ['type-only'] })] : [])];
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'no-value-cycle',
      comment: 'An import cycle made of value imports only (it exists at run time): move the shared part into a module both import (README, Architecture)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...forward,
    {
      name: 'ground-floor',
      comment: 'shared, status, config and plate are the ground floor: they import no stage and nothing above them',
      severity: 'error',
      from: { path: dir(GROUND) },
      to: { path: [dir([...STAGES.flat(), ...TOP]), '^src/(app|main|store-ports)\\.ts$'] },
    },
    {
      name: 'stages-below-the-root',
      comment: 'a stage never imports http/, cli/, app.ts, store-ports.ts or main.ts: the composition root wires stages together',
      severity: 'error',
      from: { path: dir(STAGES.flat()) },
      to: { path: [dir(TOP), '^src/(app|main|store-ports)\\.ts$'] },
    },
    {
      name: 'cli-not-http',
      comment: 'the command line never reaches into the operator station: share the domain module (src/accounts/) instead (house review §1.7)',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'accounts-below-the-tools',
      comment: 'accounts/ is the domain that http/ and cli/ share: it imports neither of them, nor app.ts or main.ts',
      severity: 'error',
      from: { path: '^src/accounts/' },
      to: { path: [dir(TOP), '^src/(app|main|store-ports)\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    // Type-only imports must be seen (and labelled) to tell a harmless cycle from a real one.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
