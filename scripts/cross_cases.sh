# The streams of the CPU<->CUDA exactness check (docs/exactness.md), sourced by
# scripts/cross_streams.sh (Debian CPU side) and scripts/gpu_crosscheck.sh (GPU
# machine): "name clip lmc-crosscheck-encode-arguments...". cube (gray, sensor
# noise) is there because its inter blocks use the background reference.
# 384x288 takes 2 x 2 tiles by default (format.md 6.1); video-untiled is the
# format of liblmc 0.8 (one tile).
CROSS_CASES=(
  "video samples/vtest_384x288.y4m 8 video"
  "video-untiled samples/vtest_384x288.y4m 8 video models/video-s.lmcm 30 1x1"
  "gen samples/vtest_384x288.y4m 8 gen"
  "learned samples/vtest_384x288.y4m 8 learned"
  "video-l samples/vtest_384x288.y4m 8 video models/video-l.lmcm"
  "cube samples/cube_gray.y4m 8 video"
  "video-xl samples/vtest_384x288.y4m 4 video models/video-xl.lmcm"
  "loop build/cross/loop.y4m 16 video"
  "video-l-rgb samples/vtest_384x288.y4m 4 rgb models/video-l.lmcm"
)
# video-l-rgb: the vtest sample as gbrp (lmc-crosscheck's rgb), so subtract-green and
# the colour planes' gradient inputs of feature set 4 (format.md 7.10, 7.11) run too.
# loop: the 8 frames of the vtest sample twice (scripts/cross_streams.sh makes it), so
# that the second pass aligns from older references (format.md 7.9).
# CROSS_ONLY="name ..." keeps those cases only (a GPU call short of time).
if [ -n "${CROSS_ONLY:-}" ]; then
  kept=()
  for case in "${CROSS_CASES[@]}"; do
    [[ " $CROSS_ONLY " == *" ${case%% *} "* ]] && kept+=("$case")
  done
  CROSS_CASES=("${kept[@]}")
fi
