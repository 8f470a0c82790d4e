"""store stage: see the module docstrings."""
