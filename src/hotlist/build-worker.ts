/**
 * Worker-thread entry: builds one list's index off the main thread and transfers the typed
 * arrays back (no copy), so matching never pauses while a multi-million-entry list is parsed.
 */
import { parentPort } from 'node:worker_threads';
import { indexBuffers } from './index-builder.js';
import { buildList, type BuildResult, type BuildTask } from './list-build.js';

const port = parentPort;
if (port) {
  port.once('message', (task: BuildTask) => {
    let result: BuildResult;
    try {
      result = buildList(task);
    } catch (err) {
      port.postMessage({ crashed: err instanceof Error ? err.message : String(err) });
      return;
    }
    port.postMessage(result, result.ok ? indexBuffers(result.parts) : []);
  });
}
