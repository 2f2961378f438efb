/**
 * Worker-thread entry: builds one list's index off the main thread and hands the typed arrays
 * back in shared memory, so matching never pauses while a multi-million-entry list is parsed.
 * The thread runs at a lower scheduling priority: on a two-core car computer the build must
 * give way to the thread matching live reads, not compete with it.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { shareIndex } from './index/list-index-builder.js';
import { buildList, type BuildResult, type BuildTask } from './list-build.js';

/** Nice value of the build thread (Linux applies it to the calling thread alone). */
const BUILD_NICE = 10;

const port = parentPort;
if (port) {
  try {
    setPriority(BUILD_NICE);
  } catch {
    // Not permitted or not supported: the build still runs, at normal priority.
  }
  port.once('message', (task: BuildTask) => {
    let result: BuildResult;
    try {
      result = buildList(task);
      if (result.ok) result = { ...result, parts: shareIndex(result.parts) };
    } catch (err) {
      port.postMessage({ crashed: err instanceof Error ? err.message : String(err) });
      return;
    }
    port.postMessage(result);
  });
}
