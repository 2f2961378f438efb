"""Detector training samples: square greyscale crops with plate quads, and their targets.

Three sample kinds, all scale-augmented so that plates end up 8..160 px high (a 1280x720 frame
letterboxed to 640x384 halves a 15..300 px plate):
  real    detect/ train scenes around a labelled plate (boxes -> axis-aligned corners);
          these are only partially labelled, so their loss tolerates unexplained peaks;
  swap    the same scenes with rendered plates warped over the labelled boxes (plate swapping);
  scene   negatives/ backgrounds with pasted rendered plates, real ocr/ crops and
          plates_untexted/ crops under random perspective (true corners, fully labelled).
"""
import csv
import os
from collections import defaultdict

import cv2
import numpy as np
import torch

import contract as C
import synth

PAD = int(round(C.DET_PAD_VALUE * 255))


def _read_grey(path, max_side=None):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if max_side and max(img.shape) > max_side:
        s = max_side / max(img.shape)
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return img


def box_quad(x, y, w, h):
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def load_detect(data_dir, split):
    """[(file, grey image, [quad...], source)] for one split of detect/."""
    groups = defaultdict(list)
    meta = {}
    for r in csv.DictReader(open(os.path.join(data_dir, "detect", "labels.csv"))):
        if r["split"] != split:
            continue
        groups[r["file"]].append(box_quad(*(float(r[k]) for k in "xywh")))
        meta[r["file"]] = r["source"]
    out = []
    for f in sorted(groups):
        out.append((f, _read_grey(os.path.join(data_dir, "detect", "images", f)), groups[f], meta[f]))
    return out


class Assets:
    """Everything a sample generator needs, decoded once (shared with workers via fork)."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.detect = load_detect(data_dir, "train")
        negd = os.path.join(data_dir, "negatives")
        self.negatives = [_read_grey(os.path.join(negd, f)) for f in sorted(os.listdir(negd))]
        ocr_rows = [r for r in csv.DictReader(open(os.path.join(data_dir, "ocr", "labels.csv"))) if r["split"] == "train"]
        self.crops = [_read_grey(os.path.join(data_dir, "ocr", "images", r["file"])) for r in ocr_rows]
        pu_rows = [r for r in csv.DictReader(open(os.path.join(data_dir, "plates_untexted", "labels.csv"))) if r["split"] == "train"]
        self.crops += [_read_grey(os.path.join(data_dir, "plates_untexted", "images", r["file"])) for r in pu_rows]
        self.fonts = None
        self.pool = []

    def rendered_plate(self, rng):
        """Rendered plates are slow (~10 ms), so keep a pool and refresh a fifth of requests."""
        if self.fonts is None:
            self.fonts = synth.Fonts(self.data_dir)
        if len(self.pool) < 400 or rng.random() < 0.2:
            arr, _, _ = synth.render_plate(rng, self.fonts, allow_two_line=True)
            g = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
            g = cv2.resize(g, (g.shape[1] // 2, g.shape[0] // 2), interpolation=cv2.INTER_AREA)
            if len(self.pool) < 400:
                self.pool.append(g)
            else:
                self.pool[rng.integers(len(self.pool))] = g
            return g
        return self.pool[rng.integers(len(self.pool))]


def _plate_height(rng):
    return float(np.exp(rng.uniform(np.log(8), np.log(160))))


def _crop_scaled(img, scale, x0, y0, S):
    """S x S window at (x0,y0) of img scaled by `scale`; outside the image = pad value."""
    H, W = img.shape
    cx0, cy0 = max(0, int(np.floor(x0 / scale))), max(0, int(np.floor(y0 / scale)))
    cx1, cy1 = min(W, int(np.ceil((x0 + S) / scale)) + 1), min(H, int(np.ceil((y0 + S) / scale)) + 1)
    if cx1 <= cx0 or cy1 <= cy0:
        return np.full((S, S), PAD, np.uint8)
    region = img[cy0:cy1, cx0:cx1]
    ax = ay = scale
    if scale < 1:  # area-downscale the region first so that small plates do not alias
        rw, rh = max(1, round(region.shape[1] * scale)), max(1, round(region.shape[0] * scale))
        ax, ay = scale * region.shape[1] / rw, scale * region.shape[0] / rh
        region = cv2.resize(region, (rw, rh), interpolation=cv2.INTER_AREA)
    M = np.array([[ax, 0, cx0 * scale - x0], [0, ay, cy0 * scale - y0]], np.float32)
    return cv2.warpAffine(region, M, (S, S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=PAD)


def sample_real(assets, rng, S, swap=False):
    f, img, quads, _ = assets.detect[rng.integers(len(assets.detect))]
    img = img.copy() if swap else img
    if swap:
        for q in quads:
            w, h = q[2] - q[0]
            if w < 12 or h < 6:
                continue
            plate = assets.rendered_plate(rng)
            aspect = plate.shape[1] / plate.shape[0]
            # only swap when the rendered plate's shape roughly fits the box
            if 0.6 < (w / h) / aspect < 1.6:
                synth.paste_plate(img, plate, q)
    if rng.random() < 0.2:  # whole frame letterboxed, as at run time
        scale = min(S / img.shape[1], S / img.shape[0]) * rng.uniform(0.7, 1.0)
        x0 = y0 = 0
    else:
        ref = quads[rng.integers(len(quads))]
        bh = ref[2, 1] - ref[0, 1]
        scale = _plate_height(rng) / max(bh, 4)
        scale = float(np.clip(scale, 0.15, 4.0))
        cx, cy = ref.mean(0) * scale
        x0 = int(cx - rng.uniform(0.1, 0.9) * S)
        y0 = int(cy - rng.uniform(0.1, 0.9) * S)
    out = _crop_scaled(img, scale, x0, y0, S)
    qs = [q * scale - [x0, y0] for q in quads]
    return out, qs


def sample_scene(assets, rng, S):
    neg = assets.negatives[rng.integers(len(assets.negatives))]
    nh, nw = neg.shape
    s = min(nh, nw) * rng.uniform(0.4, 1.0)
    y, x = rng.integers(0, nh - int(s) + 1), rng.integers(0, nw - int(s) + 1)
    bg = cv2.resize(neg[y:y + int(s), x:x + int(s)], (S, S), interpolation=cv2.INTER_LINEAR)
    quads = []
    for _ in range(rng.integers(1, 4)):
        r = rng.random()
        plate = assets.rendered_plate(rng) if r < 0.55 else assets.crops[rng.integers(len(assets.crops))]
        ph, pw = plate.shape
        h_t = _plate_height(rng)
        w_t = h_t * pw / ph
        if w_t > S * 0.9:
            w_t = S * 0.9
            h_t = w_t * ph / pw
        cx, cy = rng.uniform(w_t / 2, S - w_t / 2), rng.uniform(h_t / 2, S - h_t / 2)
        q = synth.random_quad(rng, pw, ph, cx, cy, w_t, max_rot=15, max_persp=0.2)
        if any(C.iou(C.quad_to_box(q), C.quad_to_box(o)) > 0 for o in quads):
            continue
        if w_t < pw * 0.5:  # downscale first so the perspective warp does not alias
            f = max(w_t / pw, 0.05) * 1.3
            plate = cv2.resize(plate, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        synth.paste_plate(bg, plate, q)
        quads.append(q)
    return bg, quads


def make_sample(assets, rng, S):
    """Returns (grey uint8 SxS, quads, lenient)."""
    r = rng.random()
    if r < 0.35:
        img, quads, lenient = *sample_real(assets, rng, S), True
    elif r < 0.6:
        img, quads, lenient = *sample_real(assets, rng, S, swap=True), True
    else:
        img, quads, lenient = *sample_scene(assets, rng, S), False
    img = synth.photometric(img, rng, strength=1.0, blur_scale=1.0)
    if rng.random() < 0.6:
        img = synth.jpeg(img, rng, 30, 95)
    return img, quads, lenient


def make_targets(quads, S):
    """Heatmap (elliptical Gaussian at each plate centre, 1 at the centre cell), corner targets
    and a regression mask on the 3x3 cells around each centre."""
    G = S // C.DET_STRIDE
    heat = np.zeros((G, G), np.float32)
    corners = np.zeros((8, G, G), np.float32)
    regw = np.zeros((G, G), np.float32)
    ys, xs = np.mgrid[0:G, 0:G].astype(np.float32)
    for q in quads:
        c = q.mean(0)
        gx, gy = int(c[0] // C.DET_STRIDE), int(c[1] // C.DET_STRIDE)
        if not (0 <= gx < G and 0 <= gy < G):
            continue
        bw, bh = (q[:, 0].max() - q[:, 0].min()) / C.DET_STRIDE, (q[:, 1].max() - q[:, 1].min()) / C.DET_STRIDE
        sx, sy = max(0.6, bw / 6), max(0.6, bh / 6)
        g = np.exp(-((xs - gx) ** 2 / (2 * sx * sx) + (ys - gy) ** 2 / (2 * sy * sy)))
        heat = np.maximum(heat, g)
        heat[gy, gx] = 1.0
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                x, y = gx + dx, gy + dy
                if 0 <= x < G and 0 <= y < G and (regw[y, x] == 0 or (dx == 0 and dy == 0)):
                    cc = np.array([x * C.DET_STRIDE + C.DET_STRIDE / 2, y * C.DET_STRIDE + C.DET_STRIDE / 2])
                    corners[:, y, x] = ((q - cc) / C.DET_CORNER_SCALE).reshape(-1)
                    regw[y, x] = 1.0 if (dx == 0 and dy == 0) else 0.3
    return heat, corners, regw


class DetDataset(torch.utils.data.IterableDataset):
    def __init__(self, assets, size, seed):
        self.assets, self.size, self.seed = assets, size, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        rng = np.random.default_rng([self.seed, wid])
        while True:
            img, quads, lenient = make_sample(self.assets, rng, self.size)
            heat, corners, regw = make_targets(quads, self.size)
            yield (torch.from_numpy(img.astype(np.float32) / 255.0)[None], torch.from_numpy(heat)[None],
                   torch.from_numpy(corners), torch.from_numpy(regw)[None], torch.tensor(float(lenient)))
