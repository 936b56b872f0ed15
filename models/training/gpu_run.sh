#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One GPU session: trains the models named in CONFIGS (default: video-s audio-s;
# configs/NAME.json, family from the name) and packs weights, logs and checkpoints
# into $OUT/results.tgz (and each run, as it ends, into $OUT/NAME-TAG.tgz, checkpoint left
# out). Needs build/corpus/{train,val} (carried). With RESUME=1 a
# run continues from the checkpoint carried in build/checkpoints/NAME.pt.
# The GPU is far from busy with one small MLP, so variants run concurrently:
#   VARIANTS="A:w_bound_shift=[5,6,6] B:w_bound_shift=[6,6,6]"  (default: one run, config as is)
#   OUT=/some/dir [SET="k=v ..."] [VARIANTS=...] [EVAL=1] bash models/training/gpu_run.sh
# EVAL=1 adds the exact integer evaluation on val and test (NAME_eval.json).
# A run longer than one call: STOP_AFTER=S ends each run after S seconds of training with its
# checkpoint (results.tgz holds it); the next call, with RESUME=1 and the checkpoint and
# NAME_train.csv carried in build/checkpoints, goes on. CORPUS=build/shard trains on a
# shard (models/training/shard.py), the way the full corpus travels.
set -o pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
W=$OUT/work
VARIANTS=${VARIANTS:-"base:"}
CONFIGS=${CONFIGS:-"video-s audio-s"}
mkdir -p $W
nvidia-smi -L 2>/dev/null
$PY -c 'import torch, numpy; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "numpy", numpy.__version__)'
for name in $CONFIGS; do
  fam=${name%%-*}
  for v in $VARIANTS; do
    tag=${v%%:*}; ov=${v#*:}
    d=$W/$name-$tag; mkdir -p $d/models $d/logs
    resume=()
    if [ "${RESUME:-0}" = 1 ] && [ -f build/checkpoints/$name.pt ]; then
      cp build/checkpoints/$name.pt $d/$name.pt; resume=(--resume)
      [ -f build/checkpoints/${name}_train.csv ] && cp build/checkpoints/${name}_train.csv $d/logs/
    fi
    # Each run packs its own folder when it ends (model and logs in $OUT/NAME-TAG.tgz), so a
    # call that hits the device's time limit still returns the runs that finished.
    ( $PY models/training/train_$fam.py --config models/training/configs/$name.json "${resume[@]}" \
        --out $d/models --logdir $d/logs --ckpt $d/$name.pt ${EVAL:+--eval} \
        --corpus ${CORPUS:-build/corpus} ${STOP_AFTER:+--stop-after $STOP_AFTER} --set $SET $ov > $d/logs/run.log 2>&1
      tar czf $OUT/$name-$tag.tgz --exclude '*.pt' -C $W $name-$tag ) &
  done
done
wait
for f in $W/*/logs/run.log; do echo "== $f"; grep -E "samples, features|QAT starts|paused|done:|exported|Error|error" $f; done
(cd $W && tar czf $OUT/results.tgz .)
rm -rf $W
ls -la $OUT
