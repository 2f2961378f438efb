/**
 * The private file that hands ffmpeg a URL with credentials: a 0600 ffconcat file in a 0700
 * folder only this service can read, so the password never appears in ffmpeg's argv (where any
 * user sees it in `ps`). Removed as soon as ffmpeg has read it, the folder at stop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scrubLine } from './stream-url.js';

export class InputFile {
  private dir: string | null = null;
  private file: string | null = null;
  private shown = '';

  constructor(
    /** Where the private folder is made: device.data_dir, else the OS temp dir. */
    private readonly parent: string | undefined,
    private readonly cameraId: string,
  ) {}

  /** The text handed to ffmpeg with the password removed (diagnostics), or '' when none was written. */
  get text(): string {
    return this.shown;
  }

  /** Writes `text` (it holds `password`) to the private file; returns its path. */
  write(text: string, password: string): string {
    this.dir ??= mkdtempSync(join(this.parent ?? tmpdir(), 'camera-input-'));
    const file = join(this.dir, `${this.cameraId}.ffconcat`);
    rmSync(file, { force: true });
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    this.file = file;
    this.shown = scrubLine(text, password ? [password] : []);
    return file;
  }

  /** The URL went into argv (no credentials): nothing to show. */
  none(): void {
    this.shown = '';
  }

  /** Removes the file (ffmpeg has read it), and with `folderToo` the folder (stop). */
  remove(folderToo: boolean): void {
    if (this.file) rmSync(this.file, { force: true });
    this.file = null;
    if (folderToo && this.dir) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
    }
  }
}
