"""kiemtra's demo world: simulated Vietnamese government portals and DVCTT systems on loopback.

Public API::

    from demoworld import start_world, World, serve_forever
    world = start_world(host="127.0.0.1", base_port=0, delay_ms=0)

The world is self-contained: it imports nothing from the product packages.
"""
from demoworld.world import World, serve_forever, start_world

__all__ = ["World", "start_world", "serve_forever"]
