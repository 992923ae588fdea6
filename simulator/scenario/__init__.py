"""Scenario files: the model (model.py) and its loader/validator (load.py)."""
