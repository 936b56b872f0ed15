#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trains the audio model family (feature_set 2) and exports it as .lmcm.

    python3 models/training/train_audio.py --config models/training/configs/audio-s.json \
        [--corpus build/corpus] [--out models] [--logdir models/training/logs] \
        [--resume] [--set key=json ...] [--eval]

Every clip of the train split is cut into packets of `block` samples per channel;
per packet and channel the LPC (order 12, shift 12), residual, k and features are
computed by lmc_features.audio_block_features (docs/format.md section 8); the model
learns the distribution of the symbol v = min(u >> k, 63). Writes the same files as
train_video.py.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_common import main  # noqa: E402

if __name__ == "__main__":
    main("audio", __doc__)
