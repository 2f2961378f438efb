import { defineErrors } from '../shared/errors.js';

/** Error codes of the uploader; each is documented in docs/store.md under "Error codes". */
export const UploadErrors = defineErrors({
  UPLOAD_HTTP_STATUS: 'the server answered HTTP {status}: {detail}',
  UPLOAD_NETWORK: 'cannot reach the upload server: {detail}',
  UPLOAD_BAD_RESPONSE: 'the server answered {status} but its acknowledgement is unreadable: {detail}',
  UPLOAD_REJECTED: 'the server rejected {stream} {id}: {reason}',
  UPLOAD_TLS_FILE: 'cannot read the upload TLS file {file}: {detail}',
});
