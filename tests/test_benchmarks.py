"""The benchmark scripts still run (tiny sizes, figures not judged: these
machines are too noisy for timed tests; ``make benchmark`` prints the real
figures)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", ["client_overhead.py", "prelude_overhead.py"])
def test_benchmark_runs(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "40", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratio" in result.stdout
    assert "target:" in result.stdout


def test_admin_scale_benchmark_runs() -> None:
    """benchmarks/admin_scale.py at a few thousand rows (it starts its own
    throwaway PostgreSQL cluster, as the PostgreSQL tests do)."""
    if shutil.which("initdb") is None:
        pytest.skip("the PostgreSQL server (initdb) is not installed")
    script = str(ROOT / "benchmarks" / "admin_scale.py")
    result = subprocess.run(
        [sys.executable, script, "--rows", "2000", "--repeats", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratio" in result.stdout
    assert "target:" in result.stdout
    for page in ("first page", "last page", "status filter", "phone search", "detail page"):
        assert page in result.stdout


@pytest.mark.skipif(shutil.which("initdb") is None, reason="needs the PostgreSQL server")
def test_cleanup_benchmark_runs() -> None:
    """benchmarks/cleanup.py on a few thousand rows: the service and the
    plain DELETE (and the previous implementation) leave the same rows."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cleanup.py"), "--rows", "2000", "--collector"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratio (purge_history / plain DELETE)" in result.stdout
    assert "peak memory" in result.stdout
    assert "target:" in result.stdout
