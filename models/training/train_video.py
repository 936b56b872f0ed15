#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trains the video model family (feature sets 1, 3 and 4) and exports it as .lmcm.

    python3 models/training/train_video.py --config models/training/configs/video-s.json \
        [--corpus build/corpus] [--out models] [--logdir models/training/logs] \
        [--resume] [--set key=json ...] [--eval]

Features: lmc_features (docs/format.md sections 6, 7 and 7.11, by the config's
feature_set) on every plane of every frame of the train split; validation on the val
split. A config key "init" (an .lmcm file) starts from that model, widened with zero
weights where the feature set has more inputs (qat.from_lmcm). Writes OUT/NAME.lmcm,
LOGDIR/NAME_train.csv, LOGDIR/NAME_loss.png, LOGDIR/NAME_export.json; with --eval also
the exact integer-model bits/sample on val and test (LOGDIR/NAME_eval.json).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_common import main  # noqa: E402

if __name__ == "__main__":
    main("video", __doc__)
