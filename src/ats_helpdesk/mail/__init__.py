"""mail stage: see the module docstrings."""
