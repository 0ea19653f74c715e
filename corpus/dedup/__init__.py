"""Exact and near-duplicate removal across built dataset folders (`corpus dedup`)."""
