"""Mixing built datasets at exact language or source ratios (ratio parsing, budgets, sampling).

Empty until `corpus mix` lands; the package exists so the layout of DESIGN.md is in place.
"""
