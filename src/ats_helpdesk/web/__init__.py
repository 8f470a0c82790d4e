"""web stage: see the module docstrings."""
