"""Evaluate the trained detector and OCR with the runtime's exact pre/post-processing.

    /usr/bin/python3 evaluate.py --data /work/shared/datasets [--write-ref /tmp/alpr_ref]

onnxruntime is not available to Python here, so the PyTorch checkpoints that the ONNX files were
exported from are evaluated; `node bench_onnx.mjs /tmp/alpr_ref` then checks that the ONNX
files give the same outputs under onnxruntime-node and times them.

Reports: detector recall / false positives per image / recall by plate height on detect/ val
(at 640x384 and 1280x736 input), OCR exact match and CER on ocr/ val per source, and an
end-to-end synthetic test (rendered plates pasted into negatives/ frames at 1280x720:
detect -> warp the detected corners -> read).
"""
import argparse
import json
import os
import time

import cv2
import numpy as np
import torch

import contract as C
import det_data
import det_eval
import ocr_data
import synth
import train_ocr
from det_model import PlateDetector
from ocr_model import PlateOCR

HERE = os.path.dirname(os.path.abspath(__file__))


def load_models(det_ckpt, ocr_ckpt):
    det = PlateDetector()
    det.load_state_dict(torch.load(det_ckpt))
    ocr = PlateOCR()
    ocr.load_state_dict(torch.load(ocr_ckpt))
    return det.eval(), ocr.eval()


def e2e_synthetic(det, ocr, data_dir, n, seed=4242):
    """Rendered plates in 1280x720 negatives; plate height log-uniform 15..150 px."""
    rng = np.random.default_rng(seed)
    fonts = synth.Fonts(data_dir)
    negs = ocr_data.load_negatives(data_dir, limit=300, seed=seed)
    run = det_eval.torch_runner(det)
    found = exact = 0
    by_h = {}
    for _ in range(n):
        bg = negs[rng.integers(len(negs))]
        scene = cv2.resize(bg, (1280, 720), interpolation=cv2.INTER_LINEAR)
        plate, label, _ = synth.render_plate(rng, fonts)
        ph = float(np.exp(rng.uniform(np.log(15), np.log(150))))
        pw = ph * plate.shape[1] / plate.shape[0]
        if pw > 600:  # keep wide EU plates inside the frame
            ph, pw = ph * 600 / pw, 600.0
        small = cv2.resize(plate, (int(pw * 1.3), int(ph * 1.3)), interpolation=cv2.INTER_AREA)
        q = synth.random_quad(rng, plate.shape[1], plate.shape[0], rng.uniform(pw, 1280 - pw),
                              rng.uniform(ph * 2, 720 - ph * 2), pw, max_rot=8, max_persp=0.12)
        synth.paste_plate(scene, cv2.cvtColor(small, cv2.COLOR_RGB2BGR), q)
        scene = synth.photometric(scene, rng, strength=0.6, blur_scale=ph / 40)
        scene = synth.jpeg(scene, rng, 50, 95)
        grey = C.to_grey(scene)
        dets = det_eval.detect(run, grey)
        hit, _ = det_eval.match(dets, [C.quad_to_box(q)])
        text = ""
        if hit[0]:
            best = max(dets, key=lambda d: C.iou(C.quad_to_box(d[1]), C.quad_to_box(q)))
            crop = C.warp_plate(grey, best[1])
            text = train_ocr.predict(ocr, [crop])[0]
        ok = text == label
        found += hit[0]
        exact += ok
        k = "15-30" if ph < 30 else "30-60" if ph < 60 else "60-150"
        v = by_h.setdefault(k, [0, 0, 0])
        v[0] += hit[0]
        v[1] += ok
        v[2] += 1
    return {"n": n, "found": round(found / n, 4), "exact": round(exact / n, 4),
            "by_plate_height": {k: {"found": round(v[0] / v[2], 3), "exact": round(v[1] / v[2], 3), "n": v[2]}
                                for k, v in sorted(by_h.items())}}


def time_torch(det, ocr):
    torch.set_num_threads(1)
    x = torch.full((1, 1, C.DET_DEFAULT_H, C.DET_DEFAULT_W), 0.5)
    y = torch.full((1, 1, C.OCR_H, C.OCR_W), 0.5)
    out = {}
    with torch.no_grad():
        for name, m, inp in (("detector_640x384_ms", det, x), ("ocr_1crop_ms", ocr, y)):
            for _ in range(3):
                m(inp)
            ts = []
            for _ in range(10):
                t = time.perf_counter()
                m(inp)
                ts.append((time.perf_counter() - t) * 1000)
            out[name] = round(float(np.median(ts)), 2)
    return out


def write_ref(det, ocr, data_dir, out_dir):
    """Reference inputs/outputs for bench_onnx.mjs (raw little-endian float32)."""
    os.makedirs(out_dir, exist_ok=True)
    val = det_data.load_detect(data_dir, "val")
    x, _ = C.letterbox(val[0][1])
    with torch.no_grad():
        h, c = det(torch.from_numpy(x[None, None]))
    x[None, None].astype(np.float32).tofile(os.path.join(out_dir, "det_in.f32"))
    h.numpy().astype(np.float32).tofile(os.path.join(out_dir, "det_heat.f32"))
    c.numpy().astype(np.float32).tofile(os.path.join(out_dir, "det_corners.f32"))
    json.dump(list(x.shape), open(os.path.join(out_dir, "det_shape.json"), "w"))
    rows = ocr_data.load_ocr_labels(data_dir, "val")[:8]
    rng = np.random.default_rng(0)
    crops = np.stack([ocr_data.real_crop(rng, cv2.imread(os.path.join(data_dir, "ocr", "images", r["file"])),
                                         jitter=False, degrade=False) for r in rows])
    xi = (crops.astype(np.float32) / 255.0)[:, None]
    with torch.no_grad():
        lp = ocr(torch.from_numpy(xi)).numpy()
    xi.tofile(os.path.join(out_dir, "ocr_in.f32"))
    lp.astype(np.float32).tofile(os.path.join(out_dir, "ocr_out.f32"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--det-ckpt", default=os.path.join(HERE, "runs", "det", "last.pt"))
    ap.add_argument("--ocr-ckpt", default=os.path.join(HERE, "runs", "ocr", "last.pt"))
    ap.add_argument("--cache", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", "ocr_cache"))
    ap.add_argument("--e2e", type=int, default=300, help="synthetic end-to-end scenes")
    ap.add_argument("--write-ref", default="")
    ap.add_argument("--sizes", default="640x384,1280x736", help="detector input sizes to evaluate")
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "eval.json"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    det, ocr = load_models(a.det_ckpt, a.ocr_ckpt)
    res = {}
    val = det_data.load_detect(a.data, "val")
    run = det_eval.torch_runner(det)
    for w, h in (tuple(int(v) for v in sz.split("x")) for sz in a.sizes.split(",")):
        for t, r in det_eval.evaluate_thresholds(run, val, w, h, [0.3, 0.4, 0.5, 0.6]).items():
            res[f"detector_val_{w}x{h}_thr{t}"] = r
        print(json.dumps({k: v for k, v in res.items() if f"{w}x{h}" in k}), flush=True)
    synth_test = None
    p = os.path.join(a.cache, "synth_test.npz")
    if os.path.exists(p):
        t = np.load(p)
        synth_test = (t["x"], [str(s) for s in t["y"]])
    res["ocr"] = train_ocr.evaluate(ocr, a.data, synth_test)
    if a.write_ref:
        write_ref(det, ocr, a.data, a.write_ref)
    res["e2e_synthetic_640x384"] = e2e_synthetic(det, ocr, a.data, a.e2e)
    res["torch_speed_1thread"] = time_torch(det, ocr)
    print(json.dumps(res, indent=1))
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
