#!/bin/sh
# Leave-one-source-out figures for the OCR (issue 13 item 6).
#
# For each ocr/ text source (br = openalpr/train-detector:br, us = openalpr/benchmarks:seg_and_ocr):
# train_ocr.py from scratch on the synthetic cache + the OTHER source's train crops only (no model
# selection: the last weights are exported), then read
#   - every crop of the left-out source (train + val: never trained on, never tuned on), and
#   - the other source's val crops (in-source reference at the same training budget),
# greedy (eval_ocr.py) and through the runtime (read_crops.ts: 2 views, beam, formats, region auto).
#
#   cd models/training && nohup sh loso.sh train > logs/loso.log 2>&1 &   # MINUTES=22 per source by default
#   sh loso.sh eval > logs/loso_eval.log 2>&1                            # the figures (runs/loso_no_*/*.json)
set -e
MODE=${1:-all}
cd "$(dirname "$0")"
DATA=${DATA:-/work/shared/datasets}
MINUTES=${MINUTES:-22}
SOURCES=${SOURCES:-"br us"}
for src in $SOURCES; do
  if [ "$src" = br ]; then other=us; else other=br; fi
  run=runs/loso_no_$src
  mkdir -p "$run/models"
  if [ "$MODE" != eval ] && [ ! -f "$run/models/ocr.onnx" ]; then
    /usr/bin/python3 train_ocr.py --data "$DATA" --exclude-source "$src" --minutes "$MINUTES" --seed 0 \
      --runs "$run" --out "$run/models/ocr.onnx"
  fi
  [ "$MODE" = train ] && continue
  cp ../models.json ../detector.onnx "$run/models/"
  /usr/bin/python3 eval_ocr.py --data "$DATA" --model "$run/models/ocr.onnx" --split all --source "$src" \
    --heights 16,24,36 --json "$run/heldout_all_greedy.json" --label "no-$src model, all $src crops, greedy"
  /usr/bin/python3 eval_ocr.py --data "$DATA" --model "$run/models/ocr.onnx" --split val --source "$other" \
    --heights 16,24,36 --json "$run/insource_val_greedy.json" --label "no-$src model, $other val, greedy"
  npx tsx read_crops.ts --data "$DATA/ocr" --split all --models "$run/models" --out "$run/runtime_reads_all.csv"
  /usr/bin/python3 eval_ocr.py --data "$DATA" --preds "$run/runtime_reads_all.csv" --split all --source "$src" \
    --json "$run/heldout_all_runtime.json" --label "no-$src model, all $src crops, runtime auto"
  /usr/bin/python3 eval_ocr.py --data "$DATA" --preds "$run/runtime_reads_all.csv" --split val --source "$other" \
    --json "$run/insource_val_runtime.json" --label "no-$src model, $other val, runtime auto"
done
