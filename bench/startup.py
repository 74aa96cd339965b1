"""startup_to_login_ms vs startup_bare_qapplication_ms: both timed by bench.gui_probe."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The sign-in dialog, whatever the UI names it exactly.
SIGN_IN_PATTERN = r"sign.?in|log.?in"


def time_to_first_paint(mode: list[str], env: dict[str, str], timeout: float = 60) -> float:
    """Milliseconds from starting the probe process to its SHOWN line."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.gui_probe", *mode],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    if not line.startswith("SHOWN"):
        raise RuntimeError(f"probe {mode} never showed its window: {err.strip()[-2000:]}")
    return elapsed


def measure(env: dict[str, str], runs: int = 7) -> dict[str, list[float]]:
    """Alternate bare and application starts so both see the same machine load."""
    samples: dict[str, list[float]] = {"bare": [], "app": []}
    time_to_first_paint(["bare"], env)  # warm the OS file cache for both
    time_to_first_paint(["app", SIGN_IN_PATTERN], env)
    for _ in range(runs):
        samples["bare"].append(time_to_first_paint(["bare"], env))
        samples["app"].append(time_to_first_paint(["app", SIGN_IN_PATTERN], env))
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    return {"min": min(samples), "max": max(samples), "runs": len(samples)}


def median(samples: list[float]) -> float:
    return statistics.median(samples)
