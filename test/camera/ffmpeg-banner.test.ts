import { describe, expect, it } from 'vitest';
import { StreamBannerParser } from '../../src/camera/ffmpeg-banner.js';

describe('StreamBannerParser', () => {
  it('takes the frame size from the Output stream and the camera rate from the Input stream', () => {
    const lines = [
      "Input #0, rtsp, from 'rtsp://***:***@127.0.0.1:8554/live':",
      '  Metadata:',
      '    title           : Session streamed with GStreamer',
      '  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(tv, smpte170m, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 15 fps, 14.99 tbr, 90k tbn',
      'Stream mapping:',
      '  Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))',
      "Output #0, rawvideo, to 'pipe:1':",
      '  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/smpte170m/smpte170m, progressive), 1280x720 [SAR 1:1 DAR 16:9], q=2-31, 27648 kb/s, 5 fps, 5 tbn',
    ];
    const p = new StreamBannerParser();
    const completed = lines.map((l) => p.line(l));
    expect(completed).toEqual([false, false, false, false, false, false, false, true]);
    expect(p.info).toEqual({ width: 1280, height: 720, sourceFps: 15, sourceCodec: 'h264' });
  });

  it('reads gray output without a SAR and a fractional source rate', () => {
    const p = new StreamBannerParser();
    p.line("Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':");
    p.line('  Stream #0:0[0x1](und): Video: hevc (Main) (hev1 / 0x31766568), yuv420p(tv, progressive), 640x360, 512 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)');
    p.line("Output #0, rawvideo, to 'pipe:1':");
    expect(p.line('  Stream #0:0(und): Video: rawvideo (Y800 / 0x30303859), gray(pc, progressive), 640x360, q=2-31, 18432 kb/s, 10 fps, 10 tbn (default)')).toBe(true);
    expect(p.info).toEqual({ width: 640, height: 360, sourceFps: 29.97, sourceCodec: 'hevc' });
  });

  it('ignores lines that only look like sizes (fourcc hex)', () => {
    const p = new StreamBannerParser();
    p.line("Output #0, rawvideo, to 'pipe:1':");
    expect(p.line('  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24')).toBe(false);
    expect(p.info.width).toBeNull();
  });
});
