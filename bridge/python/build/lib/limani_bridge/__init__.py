"""Serve a Ch-aOS Limani harbor over the limani-kit bridge protocol (docs/bridge-protocol.md).

Run as ``python3 -m limani_bridge --plugin module:Class`` or ``--entry-point NAME``.
"""

PROTOCOL_VERSION = 1
