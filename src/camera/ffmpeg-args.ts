/**
 * ffmpeg argv as a pure function of one camera's input settings: table-tested, no I/O. The
 * output is always raw frames of one fixed size on stdout, so the reader only counts bytes.
 *
 *   input options ─ -i URL ─ -vf fps=N[,scale=W:H] ─ -f rawvideo -pix_fmt rgb24|gray pipe:1
 *
 * A URL with credentials never goes on the command line (issue 16 item 11: argv is world-readable
 * in /proc/<pid>/cmdline and `ps`). ffmpeg reads it from an ffconcat file instead (`ffconcatInput`,
 * written 0600 by the caller): `-f concat -safe 0 -i FILE`, the URL in a `file` line and the
 * protocol's options in `option` lines, which the concat demuxer hands to the inner input (checked
 * with ffmpeg 5.1 against the RTSP test server with authentication).
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
  /**
   * The ffconcat file that names the URL (see `ffconcatInput`). When set, the URL is not in argv:
   * rtsp and mjpeg inputs with credentials.
   */
  inputFile?: string;
}

/** Protocols the concat demuxer may open for a camera URL (its default whitelist is files only). */
export const CONCAT_PROTOCOLS = 'file,rtsp,rtsps,rtp,srtp,tcp,udp,tls,http,https,httpproxy,crypto';

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

  const { generic, protocol } = inputOptions(input);
  if (input.inputFile && input.kind !== 'file') {
    // Generic options stay outside too: the concat demuxer probes its own stream like any input.
    args.push(...generic, '-f', 'concat', '-safe', '0', '-protocol_whitelist', CONCAT_PROTOCOLS, '-i', input.inputFile);
  } else {
    args.push(...protocol, ...generic, '-i', input.url);
  }
  args.push('-map', '0:v:0', '-an', '-sn', '-dn');

  args.push('-vf', videoFilter(input));
  args.push('-f', 'rawvideo', '-pix_fmt', input.pixelFormat, 'pipe:1');
  return args;
}

/** The input's options: protocol ones (only the inner input takes them) and generic demuxer ones. */
function inputOptions(input: FfmpegInput): { protocol: string[]; generic: string[] } {
  const us = String(Math.round(input.ioTimeoutS * 1_000_000));
  switch (input.kind) {
    case 'rtsp':
      return {
        protocol: ['-rtsp_transport', input.transport, '-timeout', us],
        // Live sources: arrival time is the capture clock; broken packets are dropped, not decoded into smears.
        generic: ['-fflags', '+genpts+discardcorrupt', '-use_wallclock_as_timestamps', '1', '-analyzeduration', '1000000', '-probesize', '1000000'],
      };
    case 'mjpeg':
      // MJPEG over HTTP carries no timestamps: stamp frames on arrival.
      return { protocol: [], generic: ['-use_wallclock_as_timestamps', '1', '-rw_timeout', us] };
    case 'file':
      return { protocol: [], generic: [...(input.realtime ? ['-re'] : []), ...(input.loop ? ['-stream_loop', '-1'] : [])] };
  }
}

/**
 * The ffconcat file for an input whose URL must stay off the command line: the URL in a `file`
 * line (single quotes escaped the ffconcat way) and every input option in an `option` line.
 */
export function ffconcatInput(input: FfmpegInput): string {
  const { protocol, generic } = inputOptions(input);
  const lines = ['ffconcat version 1.0', `file '${input.url.replace(/'/g, "'\\''")}'`];
  const opts = [...protocol, ...generic];
  for (let i = 0; i + 1 < opts.length; i += 2) lines.push(`option ${opts[i]!.slice(1)} ${opts[i + 1]!}`);
  return `${lines.join('\n')}\n`;
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
