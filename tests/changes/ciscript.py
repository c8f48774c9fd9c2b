"""Running ci/steward-change.sh from tests, as a pipeline would (tests/changes/test_ci_script.py, tests/browser)."""

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "ci" / "steward-change.sh"


def run(env, marker, **extra):
    """Start the script with a deploy command that writes ``marker``; returns the process."""
    command = ["sh", str(SCRIPT), "--", "sh", "-c", f"echo deployed > {marker}"]
    return subprocess.Popen(  # noqa: S603  # our script, our arguments
        command, env={**env, **extra}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def finish(process, timeout=60, before=""):
    """(exit status, whole output) once the script ends; ``before`` is what read_until already read."""
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, before + output


def read_until(process, text):
    """The script's output up to and including the first line containing ``text`` (the script's own gate
    timeout bounds the wait); pass it to finish() to get the whole output."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if text in line:
            return "".join(lines)
    pytest.fail(f"the script ended without printing {text!r}:\n{''.join(lines)}")
