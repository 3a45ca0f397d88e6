"""CHAT_UPLOAD_STREAM_FROM_BYTES as written in the environment (postpress_dashboard/settings.py):
"off" or empty is never, a number of bytes from 0 is the threshold, anything else is refused at
startup with words saying what it takes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from postpress_dashboard.settings import chat_upload_stream_from

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("raw", ["off", "OFF", " Off ", "", "  "])
def test_off_or_empty_never_streams(raw: str) -> None:
    assert chat_upload_stream_from(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("16777216", 16777216), (" 42 ", 42)])
def test_a_number_of_bytes_from_0_is_the_threshold(raw: str, expected: int) -> None:
    assert chat_upload_stream_from(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "-16777216", "16MB", "never"])
def test_a_negative_or_other_value_is_refused(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CHAT_UPLOAD_STREAM_FROM_BYTES must be"):
        chat_upload_stream_from(raw)


def test_a_negative_value_stops_the_project_starting() -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "postpress_dashboard.settings",
        "CHAT_UPLOAD_STREAM_FROM_BYTES": "-1",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "ImproperlyConfigured: CHAT_UPLOAD_STREAM_FROM_BYTES must be" in started.stderr
