/**
 * ffmpeg argv as a pure function of one camera's input settings: table-tested, no I/O. The
 * output is always raw frames of one fixed size on stdout, so the reader only counts bytes.
 *
 *   input options ─ -i URL ─ -vf fps=N[,scale=W:H] ─ -f rawvideo -pix_fmt rgb24|gray pipe:1
 */
import type { PixelFormat } from './frame.js';

export type InputKind = 'rtsp' | 'mjpeg' | 'file';

export interface FfmpegInput {
  kind: InputKind;
  /** Full URL (credentials included for rtsp/mjpeg) or file path. */
  url: string;
  transport: 'tcp' | 'udp';
  codec: 'auto' | 'h264' | 'h265';
  hwaccel: 'none' | 'vaapi';
  vaapiDevice: string;
  /** Output frame rate (frames/s written to the pipe). */
  fps: number;
  /** Output size; 0 × 0 = the stream's own size. */
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  /** kind file only. */
  loop: boolean;
  realtime: boolean;
  /** Network I/O timeout ffmpeg applies by itself (seconds); the watchdog is the second line. */
  ioTimeoutS: number;
}

/** ffmpeg's decoder names for the `codec` setting. */
const DECODERS = { h264: 'h264', h265: 'hevc' } as const;

export function ffmpegArgs(input: FfmpegInput): string[] {
  // `-loglevel info` (not error): the stream lines tell the frame size and the camera's own rate
  // before the first frame, which spares a separate ffprobe connection. `-nostats` drops the
  // progress line that would otherwise flood the stderr ring.
  const args = ['-hide_banner', '-nostats', '-loglevel', 'info', '-threads', '1'];

  if (input.hwaccel === 'vaapi') {
    args.push('-hwaccel', 'vaapi', '-hwaccel_device', input.vaapiDevice, '-hwaccel_output_format', 'vaapi');
  }
  if (input.codec !== 'auto') args.push('-c:v', DECODERS[input.codec]);

  switch (input.kind) {
    case 'rtsp':
      args.push(
        '-rtsp_transport', input.transport,
        '-timeout', String(Math.round(input.ioTimeoutS * 1_000_000)),
        // Live sources: arrival time is the capture clock; broken packets are dropped, not decoded into smears.
        '-fflags', '+genpts+discardcorrupt',
        '-use_wallclock_as_timestamps', '1',
        '-analyzeduration', '1000000',
        '-probesize', '1000000',
      );
      break;
    case 'mjpeg':
      // MJPEG over HTTP carries no timestamps: stamp frames on arrival.
      args.push('-use_wallclock_as_timestamps', '1', '-rw_timeout', String(Math.round(input.ioTimeoutS * 1_000_000)));
      break;
    case 'file':
      if (input.realtime) args.push('-re');
      if (input.loop) args.push('-stream_loop', '-1');
      break;
  }
  args.push('-i', input.url, '-map', '0:v:0', '-an', '-sn', '-dn');

  args.push('-vf', videoFilter(input));
  args.push('-f', 'rawvideo', '-pix_fmt', input.pixelFormat, 'pipe:1');
  return args;
}

function videoFilter(input: FfmpegInput): string {
  const fps = `fps=${formatRate(input.fps)}`;
  const scaled = input.width > 0 && input.height > 0;
  if (input.hwaccel === 'vaapi') {
    // Rate and scale on the GPU, then download once: only the frames we keep cross the bus.
    const scale = scaled ? `,scale_vaapi=w=${input.width}:h=${input.height}:format=nv12` : '';
    return `${fps}${scale},hwdownload,format=nv12`;
  }
  return scaled ? `${fps},scale=${input.width}:${input.height}:flags=bilinear` : fps;
}

/** `10` → `10`, `7.5` → `15/2`: the fps filter takes rationals, and decimals can drift. */
export function formatRate(fps: number): string {
  if (Number.isInteger(fps)) return String(fps);
  const den = 1000;
  const num = Math.round(fps * den);
  const g = gcd(num, den);
  return `${num / g}/${den / g}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
