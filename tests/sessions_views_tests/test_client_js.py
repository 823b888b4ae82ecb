"""The room client's rules, run in Node against fakes: ordering, resume, reconnects and
the outbox (connection.js); words and who said them (state.js); what sign-out forgets
(storage.js).

They are plain ES modules with no build step, so Node runs them as the browser would.
"""

import pathlib
import shutil
import subprocess

import pytest

NODE = shutil.which("node")
HERE = pathlib.Path(__file__).parent


def run_node_tests(name: str) -> None:
    result = subprocess.run(
        [NODE, "--test", str(HERE / "js" / name)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE.parents[1],
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_connection_rules_in_node():
    """Events in seq order, duplicates ignored, gaps and heartbeats resumed, outbox kept until acked;
    4401 (rights changed) reconnects at once, 4403/4404 never retry."""
    run_node_tests("connection.test.mjs")


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_state_rules_in_node():
    """Bare events only advance the seq; anonymous authors name nobody; consent_changed
    replaces the author; withdrawn words and, at close, every word leave the state."""
    run_node_tests("state.test.mjs")


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_signout_forgets_room_keys_in_node():
    """Every key the room keeps shares one prefix, and sign-out removes them all."""
    run_node_tests("storage.test.mjs")
