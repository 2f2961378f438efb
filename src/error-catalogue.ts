/**
 * The error catalogue: every domain's codes (each declared in its own `errors.ts`) with the page
 * that explains them. `docs/errors.md` is generated from this list (`npm run docs:errors`), and
 * test/shared/errors.test.ts checks that the page is current, that every code is explained on
 * its domain's page and that every `errors.ts` under src/ is listed here.
 */
import { AccountErrors } from './accounts/errors.js';
import { CameraErrors } from './camera/errors.js';
import { GpsErrors } from './gps/errors.js';
import { HotlistErrors } from './hotlist/errors.js';
import { HttpErrors } from './http/errors.js';
import { ReadsErrors } from './reads/errors.js';
import { RecognizerErrors } from './recognizer/errors.js';
import { CoreErrors, errorCatalogue } from './shared/errors.js';
import { StoreErrors } from './store/errors.js';
import { UploadErrors } from './upload/errors.js';

export interface ErrorDomain {
  /** Heading in docs/errors.md. */
  title: string;
  /** The module that declares the codes, relative to src/. */
  module: string;
  /** The page (relative to the repository root) that says what each code means and what to do. */
  page: string;
  codes: Readonly<Record<string, string>>;
}

export const ERROR_DOMAINS: readonly ErrorDomain[] = [
  { title: 'Configuration, start-up and command line', module: 'shared/errors.ts', page: 'docs/errors.md', codes: CoreErrors },
  { title: 'Cameras', module: 'camera/errors.ts', page: 'docs/camera.md', codes: CameraErrors },
  { title: 'Recognizer', module: 'recognizer/errors.ts', page: 'docs/recognizer.md', codes: RecognizerErrors },
  { title: 'Tracker', module: 'reads/errors.ts', page: 'docs/reads.md', codes: ReadsErrors },
  { title: 'Hot list', module: 'hotlist/errors.ts', page: 'docs/hotlist.md', codes: HotlistErrors },
  { title: 'GPS', module: 'gps/errors.ts', page: 'docs/gps.md', codes: GpsErrors },
  { title: 'Store', module: 'store/errors.ts', page: 'docs/store.md', codes: StoreErrors },
  { title: 'Upload', module: 'upload/errors.ts', page: 'docs/store.md', codes: UploadErrors },
  { title: 'Operator station (HTTP)', module: 'http/errors.ts', page: 'docs/operator.md', codes: HttpErrors },
  { title: 'Operator accounts and audit log (station and command line)', module: 'accounts/errors.ts', page: 'docs/operator.md', codes: AccountErrors },
];

/** Marks where the generated part of docs/errors.md begins; what is above it is written by hand. */
export const GENERATED_MARK = '<!-- Generated from src/error-catalogue.ts by `npm run docs:errors`: edit the catalogue, not below this line. -->';

/** The generated part of docs/errors.md: one table per domain, code and message template. */
export function errorsMarkdown(): string {
  const messages = errorCatalogue();
  const out = [GENERATED_MARK, '', '## Catalogue', ''];
  out.push('`{name}` in a message is filled in when the error is raised. Messages never carry plate text or positions.', '');
  for (const d of ERROR_DOMAINS) {
    const link = d.page === 'docs/errors.md' ? 'above' : `[${d.page.replace(/^docs\//, '')}](${d.page.replace(/^docs\//, '')}#error-codes)`;
    out.push(`### ${d.title}`, '', `Declared in \`src/${d.module}\`; explained ${link === 'above' ? 'above' : `in ${link}`}.`, '');
    out.push('| code | message |', '|---|---|');
    for (const code of Object.keys(d.codes)) out.push(`| \`${code}\` | ${escapeCell(messages.get(code)?.message ?? '')} |`);
    out.push('');
  }
  return out.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
