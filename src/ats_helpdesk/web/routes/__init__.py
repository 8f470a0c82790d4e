"""web/routes stage: see the module docstrings."""
