#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trains the video model family (feature_set 1) and exports it as .lmcm.

    python3 models/training/train_video.py --config models/training/configs/video-s.json \
        [--corpus build/corpus] [--out models] [--logdir models/training/logs] \
        [--resume] [--set key=json ...] [--eval]

Features: lmc_features.video_plane_features (docs/format.md section 6) on every plane
of every frame of the train split; validation on the val split. Writes OUT/NAME.lmcm,
LOGDIR/NAME_train.csv, LOGDIR/NAME_loss.png, LOGDIR/NAME_export.json; with --eval also
the exact integer-model bits/sample on val and test (LOGDIR/NAME_eval.json).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_common import main  # noqa: E402

if __name__ == "__main__":
    main("video", __doc__)
