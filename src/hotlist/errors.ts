import { defineErrors } from '../shared/errors.js';

/** Stable codes of the hot-list domain; each is documented in docs/hotlist.md under "Error codes". */
export const HotlistErrors = defineErrors({
  HOTLIST_FILE_UNREADABLE: 'cannot read hot-list file {file}: {detail}',
  HOTLIST_IMPORT_REJECTED: 'hot list {source} rejected ({count} problem(s)); the previous list stays in force: {detail}',
  HOTLIST_WILDCARD_CAP: 'hot list {source} has {count} wildcard entries, more than the {cap} allowed',
  HOTLIST_BUILD_FAILED: 'building the index for hot list {source} failed: {detail}',
  HOTLIST_LOCAL_STORE: 'cannot write local hot plates to {file}: {detail}',
  HOTLIST_LOCAL_CORRUPT: 'local hot-plate file {file} line {line} is unreadable: {detail}',
  HOTLIST_SYNC_HTTP: 'hot-list sync from {url} failed: HTTP {status}',
  HOTLIST_SYNC_NETWORK: 'hot-list sync from {url} failed: {detail}',
  HOTLIST_SYNC_TIMEOUT: 'hot-list sync from {url} timed out after {seconds} s',
  HOTLIST_SYNC_TOO_LARGE: 'hot-list sync from {url} refused: body larger than {bytes} bytes',
  HOTLIST_SYNC_TRUNCATED: 'hot-list sync from {url} refused: body ended after {got} of {expected} bytes',
  HOTLIST_SIGNATURE_MISSING: 'hot-list sync from {url} refused: no {header} header',
  HOTLIST_SIGNATURE_INVALID: 'hot-list sync from {url} refused: signature does not verify with the configured public key',
  HOTLIST_SYNC_ROLLBACK: 'hot-list sync from {url} refused: list issued {issued} is older than the one in force ({current})',
  HOTLIST_STALE: 'hot list is {age_h} h old, more than the {max_h} h allowed',
});
