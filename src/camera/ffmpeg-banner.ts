/**
 * Reads what ffmpeg says about its streams on stderr, before the first frame: the output frame
 * size (how many bytes one frame is on the pipe) and the camera's own frame rate. This is the
 * "probe at connect" without a second connection to the camera, which ffprobe would need.
 *
 *   Input #0, rtsp, from 'rtsp://…':
 *     Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 15 fps, 15 tbr, 90k tbn
 *   Output #0, rawvideo, to 'pipe:1':
 *     Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, progressive), 1280x720, q=2-31, 10 fps, 10 tbn
 */
export interface StreamInfo {
  /** Output frame size, once the Output section has been seen. */
  width: number | null;
  height: number | null;
  /** The source's frame rate as ffmpeg detected it (`15 fps`), or null. */
  sourceFps: number | null;
  /** The source's codec (`h264`, `hevc`, `mjpeg` …), or null. */
  sourceCodec: string | null;
}

const SIZE = /,\s(\d{2,5})x(\d{2,5})[\s,]/;
const FPS = /,\s([\d.]+)\sfps/;
const CODEC = /Video:\s([a-z0-9_]+)/;

export class StreamBannerParser {
  private section: 'none' | 'input' | 'output' = 'none';
  readonly info: StreamInfo = { width: null, height: null, sourceFps: null, sourceCodec: null };

  /** Feeds one stderr line; returns true when this line completed the output frame size. */
  line(text: string): boolean {
    if (text.startsWith('Input #')) this.section = 'input';
    else if (text.startsWith('Output #')) this.section = 'output';
    if (!/^\s+Stream #\d+:\d+.*: Video: /.test(text)) return false;
    if (this.section === 'input' && this.info.sourceCodec === null) {
      this.info.sourceCodec = CODEC.exec(text)?.[1] ?? null;
      const fps = FPS.exec(text);
      if (fps) this.info.sourceFps = Number(fps[1]);
      return false;
    }
    if (this.section === 'output' && this.info.width === null) {
      const m = SIZE.exec(`${text} `);
      if (!m) return false;
      this.info.width = Number(m[1]);
      this.info.height = Number(m[2]);
      return true;
    }
    return false;
  }
}
