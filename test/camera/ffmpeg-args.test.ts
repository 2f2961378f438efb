import { describe, expect, it } from 'vitest';
import { CONCAT_PROTOCOLS, ffconcatInput, ffmpegArgs, formatRate, type FfmpegInput } from '../../src/camera/ffmpeg-args.js';

const base: FfmpegInput = {
  kind: 'rtsp',
  url: 'rtsp://u:p@10.0.0.5:554/stream1',
  transport: 'tcp',
  codec: 'auto',
  hwaccel: 'none',
  vaapiDevice: '/dev/dri/renderD128',
  fps: 10,
  width: 0,
  height: 0,
  pixelFormat: 'rgb24',
  loop: true,
  realtime: true,
  ioTimeoutS: 10,
};

const COMMON = ['-hide_banner', '-nostats', '-loglevel', 'info', '-threads', '1'];
const RTSP_IN = (transport: string) => ['-rtsp_transport', transport, '-timeout', '10000000', '-fflags', '+genpts+discardcorrupt', '-use_wallclock_as_timestamps', '1', '-analyzeduration', '1000000', '-probesize', '1000000'];
const MAP = ['-map', '0:v:0', '-an', '-sn', '-dn'];
const OUT = (fmt: string) => ['-f', 'rawvideo', '-pix_fmt', fmt, 'pipe:1'];

describe('ffmpegArgs', () => {
  const table: { name: string; input: Partial<FfmpegInput>; want: string[] }[] = [
    {
      name: 'RTSP over TCP at the needed rate, rgb24, stream size',
      input: {},
      want: [...COMMON, ...RTSP_IN('tcp'), '-i', base.url, ...MAP, '-vf', 'fps=10', ...OUT('rgb24')],
    },
    {
      name: 'RTSP over UDP',
      input: { transport: 'udp' },
      want: [...COMMON, ...RTSP_IN('udp'), '-i', base.url, ...MAP, '-vf', 'fps=10', ...OUT('rgb24')],
    },
    {
      name: 'H.265 forced decoder, scaled to 1280x720, gray',
      input: { codec: 'h265', width: 1280, height: 720, pixelFormat: 'gray' },
      want: [...COMMON, '-c:v', 'hevc', ...RTSP_IN('tcp'), '-i', base.url, ...MAP, '-vf', 'fps=10,scale=1280:720:flags=bilinear', ...OUT('gray')],
    },
    {
      name: 'H.264 forced decoder',
      input: { codec: 'h264' },
      want: [...COMMON, '-c:v', 'h264', ...RTSP_IN('tcp'), '-i', base.url, ...MAP, '-vf', 'fps=10', ...OUT('rgb24')],
    },
    {
      name: 'VAAPI: rate and scale on the GPU, one download',
      input: { hwaccel: 'vaapi', width: 1280, height: 720 },
      want: [
        ...COMMON, '-hwaccel', 'vaapi', '-hwaccel_device', '/dev/dri/renderD128', '-hwaccel_output_format', 'vaapi',
        ...RTSP_IN('tcp'), '-i', base.url, ...MAP, '-vf', 'fps=10,scale_vaapi=w=1280:h=720:format=nv12,hwdownload,format=nv12', ...OUT('rgb24'),
      ],
    },
    {
      name: 'VAAPI without scaling still downloads',
      input: { hwaccel: 'vaapi', vaapiDevice: '/dev/dri/renderD129' },
      want: [
        ...COMMON, '-hwaccel', 'vaapi', '-hwaccel_device', '/dev/dri/renderD129', '-hwaccel_output_format', 'vaapi',
        ...RTSP_IN('tcp'), '-i', base.url, ...MAP, '-vf', 'fps=10,hwdownload,format=nv12', ...OUT('rgb24'),
      ],
    },
    {
      name: 'MJPEG over HTTP stamped on arrival',
      input: { kind: 'mjpeg', url: 'http://cam/video.mjpg', fps: 5 },
      want: [...COMMON, '-use_wallclock_as_timestamps', '1', '-rw_timeout', '10000000', '-i', 'http://cam/video.mjpg', ...MAP, '-vf', 'fps=5', ...OUT('rgb24')],
    },
    {
      name: 'file looped in real time (demo)',
      input: { kind: 'file', url: '/srv/clip.mp4' },
      want: [...COMMON, '-re', '-stream_loop', '-1', '-i', '/srv/clip.mp4', ...MAP, '-vf', 'fps=10', ...OUT('rgb24')],
    },
    {
      name: 'file read once as fast as possible (benchmarks)',
      input: { kind: 'file', url: '/srv/clip.mp4', loop: false, realtime: false },
      want: [...COMMON, '-i', '/srv/clip.mp4', ...MAP, '-vf', 'fps=10', ...OUT('rgb24')],
    },
    {
      name: 'RTSP with credentials: the URL and its protocol options go to the ffconcat file, not argv',
      input: { inputFile: '/run/alpr/camera-input-x/front.ffconcat' },
      want: [
        ...COMMON, '-fflags', '+genpts+discardcorrupt', '-use_wallclock_as_timestamps', '1', '-analyzeduration', '1000000', '-probesize', '1000000',
        '-f', 'concat', '-safe', '0', '-protocol_whitelist', CONCAT_PROTOCOLS, '-i', '/run/alpr/camera-input-x/front.ffconcat', ...MAP, '-vf', 'fps=10', ...OUT('rgb24'),
      ],
    },
    {
      name: 'MJPEG with credentials through the ffconcat file',
      input: { kind: 'mjpeg', url: 'http://u:p@cam/video.mjpg', inputFile: '/tmp/x/cab.ffconcat' },
      want: [...COMMON, '-use_wallclock_as_timestamps', '1', '-rw_timeout', '10000000', '-f', 'concat', '-safe', '0', '-protocol_whitelist', CONCAT_PROTOCOLS, '-i', '/tmp/x/cab.ffconcat', ...MAP, '-vf', 'fps=10', ...OUT('rgb24')],
    },
    {
      name: 'fractional rate as a rational',
      input: { fps: 7.5 },
      want: [...COMMON, ...RTSP_IN('tcp'), '-i', base.url, ...MAP, '-vf', 'fps=15/2', ...OUT('rgb24')],
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      expect(ffmpegArgs({ ...base, ...t.input })).toEqual(t.want);
    });
  }

  it('puts no URL with a password in argv when an input file is given', () => {
    const argv = ffmpegArgs({ ...base, url: 'rtsp://u:Pl%40te%3AS3cret@10.0.0.5/s', inputFile: '/tmp/f.ffconcat' });
    expect(argv.join(' ')).not.toMatch(/rtsp:|S3cret/);
  });

  it('writes the ffconcat file: the URL (quotes escaped) and every input option', () => {
    expect(ffconcatInput({ ...base, url: "rtsp://u:it's@10.0.0.5:554/s1", transport: 'udp' })).toBe(
      [
        'ffconcat version 1.0',
        "file 'rtsp://u:it'\\''s@10.0.0.5:554/s1'",
        'option rtsp_transport udp',
        'option timeout 10000000',
        'option fflags +genpts+discardcorrupt',
        'option use_wallclock_as_timestamps 1',
        'option analyzeduration 1000000',
        'option probesize 1000000',
        '',
      ].join('\n'),
    );
  });

  it('formats rates as integers or reduced fractions', () => {
    expect([formatRate(15), formatRate(2.5), formatRate(0.2), formatRate(12.345)]).toEqual(['15', '5/2', '1/5', '2469/200']);
  });
});
