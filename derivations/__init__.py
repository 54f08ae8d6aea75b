"""Derivation modules: one module per equation chain of a text, checked by symrl."""
