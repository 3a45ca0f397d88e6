"""start-chat streams files from disk: a 200 MB video barely raises the process's memory."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).with_name("upload_memory_probe.py")
ROOT = Path(__file__).resolve().parents[3]
FILE_MIB = 200
ALLOWED_GROWTH_MIB = 50


def test_it_forwards_a_200_mb_video_within_50_mb_of_extra_memory() -> None:
    completed = subprocess.run(  # noqa: S603
        [sys.executable, str(PROBE), str(FILE_MIB)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(completed.stdout)
    growth_mib = (result["peak_kib"] - result["baseline_kib"]) / 1024
    assert result["received"] > FILE_MIB * 1024 * 1024  # the whole file did go through
    assert growth_mib < ALLOWED_GROWTH_MIB, f"peak memory grew by {growth_mib:.0f} MiB"
