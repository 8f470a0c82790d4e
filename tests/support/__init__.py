"""Helpers shared by the test folders: throwaway stores, loopback servers, Chromium.

``pyproject.toml`` puts ``tests/`` on ``sys.path`` (``pythonpath``), so a test imports
them as ``from support import databases`` whatever its folder.
"""
