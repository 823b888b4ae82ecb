"""The room client's ordering, resume and outbox rules, run in Node against a fake socket.

They are plain ES modules with no build step, so Node runs them as the browser would.
"""

import pathlib
import shutil
import subprocess

import pytest

NODE = shutil.which("node")
HERE = pathlib.Path(__file__).parent


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_connection_rules_in_node():
    """Events in seq order, duplicates ignored, gaps and heartbeats resumed, outbox kept until acked."""
    result = subprocess.run(
        [NODE, "--test", str(HERE / "js" / "connection.test.mjs")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE.parents[1],
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
