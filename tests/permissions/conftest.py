import pytest

from .world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each websocket test runs in its own event loop; a Redis channel layer
    made in an earlier loop holds locks bound to that loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
