"""Detector evaluation on detect/ val with the runtime's pre/post-processing.

A detection matches a labelled plate when the axis-aligned box around its 4 corners has
IoU > 0.4 with the label (greedy, highest score first). Unmatched detections count as false
positives, although some are unlabelled real plates (detect/ is partially labelled).
"""
import numpy as np

import contract as C

HEIGHT_BUCKETS = [(0, 20), (20, 30), (30, 50), (50, 100), (100, 10 ** 6)]


def detect(run, grey, in_w=C.DET_DEFAULT_W, in_h=C.DET_DEFAULT_H, threshold=C.DET_SCORE_THRESHOLD):
    """run(x [1,1,H,W] float32) -> (heat [1,1,h,w], corners [1,8,h,w]). Returns [(score, quad)]
    with quads in original image pixels."""
    x, s = C.letterbox(grey, in_w, in_h)
    heat, corners = run(x[None, None])
    dets = C.decode_heatmap(heat[0, 0], corners[0], threshold)
    return [(sc, q / s) for sc, q in dets]


def match(dets, gt_boxes, thr=0.4):
    used = set()
    hit = [False] * len(gt_boxes)
    fp = 0
    for sc, q in dets:
        b = C.quad_to_box(q)
        best, bi = thr, -1
        for i, g in enumerate(gt_boxes):
            if i in used:
                continue
            v = C.iou(b, g)
            if v > best:
                best, bi = v, i
        if bi >= 0:
            used.add(bi)
            hit[bi] = True
        else:
            fp += 1
    return hit, fp


def evaluate(run, val, in_w=C.DET_DEFAULT_W, in_h=C.DET_DEFAULT_H, threshold=C.DET_SCORE_THRESHOLD):
    """val: [(file, grey, [quad], source)] -> metrics dict per source (short names)."""
    return evaluate_thresholds(run, val, in_w, in_h, [threshold])[threshold]


def evaluate_thresholds(run, val, in_w, in_h, thresholds):
    """One forward pass per image, scored at each threshold: {threshold: metrics per source}."""
    dets_all = [detect(run, grey, in_w, in_h, min(thresholds)) for _, grey, _, _ in val]
    return {t: _score(val, [[d for d in dets if d[0] > t] for dets in dets_all]) for t in thresholds}


def _score(val, dets_all):
    stats = {}
    for (f, grey, quads, src), dets in zip(val, dets_all):
        key = "rl" if src.startswith("RobertLucian") else "olpr"
        st = stats.setdefault(key, {"images": 0, "plates": 0, "found": 0, "fp": 0,
                                    "by_height": {f"{a}-{b}" if b < 10 ** 6 else f"{a}+": [0, 0] for a, b in HEIGHT_BUCKETS}})
        gts = [C.quad_to_box(q) for q in quads]
        hit, fp = match(dets, gts)
        st["images"] += 1
        st["plates"] += len(gts)
        st["found"] += sum(hit)
        st["fp"] += fp
        for g, h in zip(gts, hit):
            for a, b in HEIGHT_BUCKETS:
                if a <= g[3] < b:
                    k = f"{a}-{b}" if b < 10 ** 6 else f"{a}+"
                    st["by_height"][k][0] += int(h)
                    st["by_height"][k][1] += 1
    out = {}
    for key, st in stats.items():
        out[key] = {"images": st["images"], "plates": st["plates"],
                    "recall": round(st["found"] / max(1, st["plates"]), 4),
                    "fp_per_image": round(st["fp"] / max(1, st["images"]), 3),
                    "recall_by_height": {k: (round(v[0] / v[1], 3) if v[1] else None, v[1]) for k, v in st["by_height"].items()}}
    return out


def torch_runner(model):
    import torch

    def run(x):
        with torch.no_grad():
            h, c = model(torch.from_numpy(x))
        return h.numpy(), c.numpy()
    return run
