"""Packed CLM and SFT training with LoRA/QLoRA on built datasets, and its evaluation.

Empty until `corpus train` lands; the package exists so the layout of DESIGN.md is in place.
"""
