#!/usr/bin/env bash
# The GPU check (issue 19): everything that needs a CUDA device, in one run of under 8 minutes on
# one GPU, for whoever gets a machine with one. Run from anywhere:
#
#     bash benchmarks/gpu_check.sh            # PYTHON=/path/to/python to choose the interpreter
#
# Steps (each with its own time limit, so one stuck step cannot eat the rest):
#   1. pytest -m gpu                      CUDA tests: conversions, models, NVENC export, NVDEC
#   2. benchmarks/model_throughput.py     DAT-light (or an ESRGAN of its size) on CUDA at 1080p, fp16,
#                                         channels_last; host<->device copies per frame across
#                                         Upscaler -> Color Corrector -> Merge (target 1 up, 1 down)
#   3. benchmarks/colour_throughput.py    colour conversions on CUDA against OCIO
#   4. an NVENC export                    the export benchmark's job written by h264_nvenc, timed
#                                         against x264 in the same run
#   5. benchmarks/export_vs_ffmpeg.py     the export benchmark (skips without the ffmpeg program)
#   6. benchmarks/gan_throughput.py       GAN Generator in a render against the bare network (fp16),
#                                         images/s at batch 16 for DCGAN and a 256x256 StyleGAN2; the
#                                         node's finishing runs off the model worker here (FinishLater)
# At the end every RESULT line is printed again, under "== RESULT lines". Logs: $GPU_CHECK_LOGS
# (default: a new temporary folder). Exit status: the number of steps that failed.
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
LOGS=${GPU_CHECK_LOGS:-$(mktemp -d)}
export QT_QPA_PLATFORM=offscreen PYTHONUNBUFFERED=1
failed=0
started=$(date +%s)

step() {  # step NAME SECONDS COMMAND...: run with a time limit, log, report
    local name=$1 limit=$2
    shift 2
    echo "== $name (at most ${limit} s)"
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$LOGS/$name.log"
    local status=${PIPESTATUS[0]}
    [ "$status" -eq 124 ] && echo "== $name: stopped after ${limit} s"
    [ "$status" -ne 0 ] && failed=$((failed + 1))
    echo "== $name: exit $status, $(($(date +%s) - started)) s since the start"
}

echo "== machine"
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
"$PYTHON" - <<'EOF' 2>&1 | tee "$LOGS/machine.log"
import os, torch
from filmstudio.media.hardware import nvdec_usable, nvenc_usable
print(f"torch {torch.__version__}, CUDA {torch.cuda.is_available()}, cores {os.cpu_count()}")
if torch.cuda.is_available():
    print("device:", torch.cuda.get_device_name(0))
print(f"NVENC h264 {nvenc_usable('h264_nvenc')}, hevc {nvenc_usable('hevc_nvenc')}, NVDEC {nvdec_usable()}")
EOF

step pytest-gpu 90 "$PYTHON" -m pytest -q -p no:cacheprovider -m gpu tests
FILMSTUDIO_DEVICE=cuda:0 step model 120 "$PYTHON" benchmarks/model_throughput.py
FILMSTUDIO_DEVICE=cuda:0 step colour 40 "$PYTHON" benchmarks/colour_throughput.py
step nvenc-export 60 "$PYTHON" - <<'EOF'
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "benchmarks")
import export_vs_ffmpeg as bench
from filmstudio.media import probe
from filmstudio.render.export import render

with tempfile.TemporaryDirectory() as folder:
    work = Path(folder)
    source = bench.make_noisy_clip(work / "noisy.mp4", 120)
    times = {}
    for encoder in ("nvenc", "software", "nvenc", "software"):  # interleaved, best of two
        project = bench.project_for(source, 120)
        project["Write1"].set(encoder=encoder)
        started = time.perf_counter()
        result = render(project, output=work / f"{encoder}.mp4")
        times[encoder] = min(times.get(encoder, float("inf")), time.perf_counter() - started)
        print(f"{encoder}: {time.perf_counter() - started:.2f} s, {result.fusion}, {probe(result.path).codec}")
    print(f"RESULT nvenc_fps={120 / times['nvenc']:.1f} x264_fps={120 / times['software']:.1f}")
EOF
step export 120 "$PYTHON" benchmarks/export_vs_ffmpeg.py
step gan 60 "$PYTHON" benchmarks/gan_throughput.py

echo "== RESULT lines ($(($(date +%s) - started)) s in all, logs in $LOGS)"
grep -h "^RESULT" "$LOGS"/*.log
exit "$failed"
