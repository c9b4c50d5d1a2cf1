"""The routing model: the wheel's own files, loaded with no network and no cache directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from app.orchestration.semantic import ExampleIndex, default_encoder

ROOT = Path(__file__).resolve().parents[2]


def test_model_loads_from_the_wheel_with_no_network_and_an_empty_home(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import json, logging, socket
        def refuse(*args, **kwargs):
            raise AssertionError(f"network use while loading the model: {args!r}")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from pathlib import Path
        from app.orchestration.semantic import WordLlamaEncoder
        encoder = WordLlamaEncoder()
        import wordllama
        package = Path(wordllama.__file__).parent
        print(json.dumps({
            "inside_wheel": all(p.is_relative_to(package) and p.is_file() for p in encoder.files.values()),
            "dims": int(encoder.encode(["check db01 port 5432"]).shape[1]),
            "cache_made": (Path.home() / ".cache" / "wordllama").exists(),
            "root_handlers": len(logging.getLogger().handlers),  # wordllama's basicConfig undone
        }))
        """
    )
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "0"}
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "inside_wheel": True, "dims": 256, "cache_made": False, "root_handlers": 0
    }  # fmt: skip


def test_nearest_examples_decide_the_label() -> None:
    index = ExampleIndex(
        default_encoder(),
        {"disk": ["is the disk full", "free space on /var"], "dns": ["what does example.com resolve to"]},
    )
    scores = index.scores("how much space is left on the disk")
    assert scores["disk"].score > scores["dns"].score
    assert scores["disk"].example in ("is the disk full", "free space on /var")
    assert np.isclose(np.linalg.norm(index.vector("anything")), 1.0)
