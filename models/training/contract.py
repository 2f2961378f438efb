"""The model contract shared with the TypeScript runtime, and the pre/post-processing it implies.

Everything the runtime must reproduce lives here once: greyscale conversion, detector
letterboxing, heatmap peak decoding, OCR quad expansion + perspective warp, CTC decoding.
Training, evaluation and export all import these functions so that what is trained is exactly
what runs in production. `write_models_json` emits models/models.json from these constants.
"""
import json
import os

import cv2
import numpy as np

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BLANK = 0  # CTC blank; class k >= 1 is CHARSET[k - 1]

# Detector
DET_STRIDE = 4
DET_CORNER_SCALE = 32.0
DET_PAD_VALUE = 0.5
DET_DEFAULT_W, DET_DEFAULT_H = 640, 384
DET_SCORE_THRESHOLD = 0.3
DET_NMS_KERNEL = 3

# OCR
OCR_H, OCR_W = 32, 128
OCR_MARGIN_X, OCR_MARGIN_Y = 0.04, 0.08

MODELS_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


def to_grey(img):
    """RGB/BGR uint8 -> grey uint8 using the BT.601 luma weights (what sharp/ffmpeg 'gray' give)."""
    if img.ndim == 2:
        return img
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


# ---------------------------------------------------------------- detector pre/post-processing

def letterbox(grey, out_w=DET_DEFAULT_W, out_h=DET_DEFAULT_H):
    """Scale to fit (keep aspect), pad bottom/right with DET_PAD_VALUE. Returns float32 [H,W], scale."""
    h, w = grey.shape[:2]
    s = min(out_w / w, out_h / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    small = cv2.resize(grey, (nw, nh), interpolation=interp)
    out = np.full((out_h, out_w), DET_PAD_VALUE, np.float32)
    out[:nh, :nw] = small.astype(np.float32) / 255.0
    return out, s


def decode_heatmap(heat, corners, threshold=DET_SCORE_THRESHOLD, kernel=DET_NMS_KERNEL):
    """heat [H4,W4] (sigmoid-ed), corners [8,H4,W4] -> list of (score, quad[4,2]) in input pixels.

    Peaks = cells equal to the k x k max of their neighbourhood and above threshold.
    Corner i = cell centre (col*4+2, row*4+2) + value * corner_scale.
    """
    pad = kernel // 2
    hp = np.pad(heat, pad, mode="constant", constant_values=-1.0)
    mx = np.full_like(heat, -1.0)
    H, W = heat.shape
    for dy in range(kernel):
        for dx in range(kernel):
            mx = np.maximum(mx, hp[dy:dy + H, dx:dx + W])
    ys, xs = np.nonzero((heat >= mx) & (heat > threshold))
    out = []
    for y, x in zip(ys, xs):
        cx, cy = x * DET_STRIDE + DET_STRIDE / 2, y * DET_STRIDE + DET_STRIDE / 2
        q = corners[:, y, x].reshape(4, 2) * DET_CORNER_SCALE + np.array([cx, cy])
        out.append((float(heat[y, x]), q.astype(np.float32)))
    out.sort(key=lambda t: -t[0])
    return out


def quad_to_box(q):
    x0, y0 = q[:, 0].min(), q[:, 1].min()
    x1, y1 = q[:, 0].max(), q[:, 1].max()
    return np.array([x0, y0, x1 - x0, y1 - y0], np.float32)


def iou(a, b):
    """Boxes as x,y,w,h."""
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


# ---------------------------------------------------------------------- OCR pre-processing

def expand_quad(q, mx=OCR_MARGIN_X, my=OCR_MARGIN_Y):
    """Move each side of the quad TL,TR,BR,BL outwards by mx of its width / my of its height.

    Works in the quad's own frame (along its edges) so that a rotated plate keeps its shape.
    """
    q = np.asarray(q, np.float32)
    tl, tr, br, bl = q
    ux = ((tr - tl) + (br - bl)) / 2  # plate x-axis (full width)
    uy = ((bl - tl) + (br - tr)) / 2  # plate y-axis (full height)
    dx, dy = ux * mx, uy * my
    return np.stack([tl - dx - dy, tr + dx - dy, br + dx + dy, bl - dx + dy]).astype(np.float32)


def warp_plate(grey, quad, out_w=OCR_W, out_h=OCR_H, margins=True):
    """Perspective-warp the (expanded) quad onto the full out_w x out_h rectangle. uint8 out.

    Plain bilinear sampling (no pre-filtering), source coordinates clamped to the image (edge
    replication) -- the same as the runtime's JS warp, so training sees the same aliasing.
    """
    q = expand_quad(quad) if margins else np.asarray(quad, np.float32)
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], np.float32)
    M = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    return cv2.warpPerspective(grey, M, (out_w, out_h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def jitter_quad(q, rng, lo=-0.05, hi=0.15, persp=0.03):
    """Simulate detector error: each side moves outward by U(lo,hi) of the plate size, and each
    corner gets an independent N(0, persp * size) displacement (perspective error)."""
    q = np.asarray(q, np.float32)
    tl, tr, br, bl = q
    ux = ((tr - tl) + (br - bl)) / 2
    uy = ((bl - tl) + (br - tr)) / 2
    l, r, t, b = rng.uniform(lo, hi, 4)
    out = np.stack([tl - ux * l - uy * t, tr + ux * r - uy * t, br + ux * r + uy * b, bl - ux * l + uy * b])
    size = np.array([np.linalg.norm(ux), np.linalg.norm(uy)], np.float32)
    out += rng.normal(0, persp, (4, 2)).astype(np.float32) * size
    return out.astype(np.float32)


# ---------------------------------------------------------------------- CTC decoding

def ctc_greedy(logp):
    """logp [T,C] -> (text, per-char probabilities)."""
    best = logp.argmax(1)
    text, probs, prev = [], [], BLANK
    for t, k in enumerate(best):
        if k != BLANK and k != prev:
            text.append(CHARSET[k - 1])
            probs.append(float(np.exp(logp[t, k])))
        prev = k
    return "".join(text), probs


def encode_text(text):
    return [CHARSET.index(c) + 1 for c in text]


def cer(pred, gt):
    """Levenshtein distance / len(gt)."""
    d = list(range(len(gt) + 1))
    for i, pc in enumerate(pred, 1):
        prev, d[0] = d[0], i
        for j, gc in enumerate(gt, 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (pc != gc))
            prev, d[j] = d[j], cur
    return d[len(gt)]


def write_models_json(path=None):
    spec = {
        "detector": {
            "file": "detector.onnx",
            "input": "image",
            "default_input_width": DET_DEFAULT_W,
            "default_input_height": DET_DEFAULT_H,
            "pad_value": DET_PAD_VALUE,
            "stride": DET_STRIDE,
            "outputs": {"heatmap": "heatmap", "corners": "corners"},
            "corner_scale": DET_CORNER_SCALE,
            "score_threshold": DET_SCORE_THRESHOLD,
            "nms_kernel": DET_NMS_KERNEL,
        },
        "ocr": {
            "file": "ocr.onnx",
            "input": "image",
            "input_height": OCR_H,
            "input_width": OCR_W,
            "crop": ("perspective warp of the 4 detected corners onto the full Hocr x Wocr rectangle, "
                     "after expanding the quad by margin_x/margin_y of its width/height on each side"),
            "margin_x": OCR_MARGIN_X,
            "margin_y": OCR_MARGIN_Y,
            "output": "logits",
            "charset": CHARSET,
            "blank_index": BLANK,
        },
    }
    path = path or os.path.join(MODELS_DIR, "models.json")
    with open(path, "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    return path


if __name__ == "__main__":
    print(write_models_json())
