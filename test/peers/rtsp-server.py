#!/usr/bin/python3
"""A real RTSP server for tests and benchmarks: GStreamer's gst-rtsp-server, bound to 127.0.0.1.

usage: rtsp-server.py [--port N] [--user U --password P] --mount PATH=SPEC [--mount ...]

SPEC is one of
  test:WxH@FPS          a live moving test pattern (videotestsrc ball), H.264
  frames:GLOB@FPS       image files (PNG/JPEG, sorted) looped forever and encoded live, H.264
  h265test:WxH@FPS      like test, H.265
  file:PATH.mp4         an H.264 MP4 served as it is (no re-encode, so a benchmark's server costs
                        almost nothing); played once in real time, so make it long enough

Every mount is shared: one encoder serves all clients, so N cameras cost one encode.
Prints one line `READY <port>` on stdout when listening; stops on SIGTERM/SIGINT.
"""
import argparse
import glob
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ENCODE_H264 = "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=2000 ! rtph264pay name=pay0 pt=96 config-interval=1"
ENCODE_H265 = "x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=2000 ! rtph265pay name=pay0 pt=96 config-interval=1"


def parse_size_rate(s):
    size, fps = s.split("@")
    w, h = size.split("x")
    return int(w), int(h), int(fps)


def launch_line(spec):
    kind, arg = spec.split(":", 1)
    if kind in ("test", "h265test"):
        w, h, fps = parse_size_rate(arg)
        enc = (ENCODE_H265 if kind == "h265test" else ENCODE_H264).format(gop=fps)
        return (f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={w},height={h},framerate={fps}/1 "
                f"! videoconvert ! video/x-raw,format=I420 ! {enc} )")
    if kind == "file":
        return f"( filesrc location={arg} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    if kind == "frames":
        pattern, fps = arg.rsplit("@", 1)
        files = sorted(glob.glob(pattern))
        if not files:
            raise SystemExit(f"no files match {pattern}")
        ext = os.path.splitext(files[0])[1].lower()
        dec = "pngdec" if ext == ".png" else "jpegdec"
        # multifilesrc wants a printf pattern: the files must be named prefix%05d.ext from 0.
        folder = os.path.dirname(files[0])
        prefix = os.path.basename(files[0])[: -len(ext) - 5]
        location = os.path.join(folder, f"{prefix}%05d{ext}")
        # Re-encoding decoded images keeps timestamps sane; looping a pre-encoded file does not.
        return (f"( multifilesrc location={location} index=0 loop=true caps=image/{ext[1:].replace('jpg', 'jpeg')},framerate={fps}/1 "
                f"! {dec} ! videoconvert ! video/x-raw,format=I420 ! identity sync=true "
                f"! {ENCODE_H264.format(gop=fps)} )")
    raise SystemExit(f"unknown mount spec {spec}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--mount", action="append", required=True, help="PATH=SPEC")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()

    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)

    for m in args.mount:
        path, spec = m.split("=", 1)
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch_line(spec))
        factory.set_shared(True)
        if args.user:
            perms = GstRtspServer.RTSPPermissions()
            perms.add_permission_for_role("user", "media.factory.access", True)
            perms.add_permission_for_role("user", "media.factory.construct", True)
            factory.set_permissions(perms)
        mounts.add_factory(path, factory)

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        raise SystemExit("cannot attach the RTSP server")
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    sys.exit(0)


if __name__ == "__main__":
    main()
