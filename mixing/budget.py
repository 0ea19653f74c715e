"""How many tokens (or records) each key gets: exact ratio, temperature, UniMax.

Pure functions over {key: available}; sampling is elsewhere. `max_epochs` caps how many
passes over a key's data a budget may ask for.
"""

from __future__ import annotations

import math

from corpus.errors import OptionError


def exact_budget(
    shares: dict[str, float],
    available: dict[str, int],
    total: int | None,
    max_epochs: float = 1.0,
    unit: str = "tokens",
) -> dict[str, float]:
    """Budgets in the given shares. Without `total`, the largest mix in which no key is used
    more than `max_epochs` times: the limiting key is used whole (times max_epochs)."""
    capacity = {k: available[k] * max_epochs for k in shares}
    if total is None:
        total = min(capacity[k] / shares[k] for k in shares)
    budgets = {k: total * shares[k] for k in shares}
    short = {k: budgets[k] - capacity[k] for k in shares if budgets[k] > capacity[k] * (1 + 1e-9)}
    if short:
        key = max(short, key=lambda k: budgets[k] / capacity[k])
        epochs = math.ceil(budgets[key] / available[key] * 100) / 100  # enough, not just close
        raise OptionError(
            f"not enough {key} {unit}: the mix needs {budgets[key]:,.0f}, {key} has "
            f"{available[key]:,} ({max_epochs:g} epoch(s) allowed); lower --total-tokens or "
            f"allow --max-epochs {epochs:.2f}"
        )
    return budgets


def temperature_shares(available: dict[str, int], alpha: float) -> dict[str, float]:
    """q_k ∝ p_k^α (XLM-R, mT5): α = 1 keeps the natural shares, α → 0 tends to uniform."""
    if not 0 < alpha <= 1:
        raise OptionError(f"--temperature {alpha}: expected 0 < α ≤ 1")
    total = sum(available.values())
    weights = {k: (n / total) ** alpha for k, n in available.items() if n > 0}
    norm = sum(weights.values())
    return {k: w / norm for k, w in weights.items()}


def unimax_budget(available: dict[str, int], total: int, max_epochs: float) -> dict[str, float]:
    """UniMax (Chung et al., 2023): keys from smallest to largest each get an equal share of
    what is left, capped at `max_epochs` passes over their data."""
    budgets: dict[str, float] = {}
    remaining = float(total)
    keys = sorted(available, key=lambda k: (available[k], k))
    for position, key in enumerate(keys):
        budgets[key] = min(remaining / (len(keys) - position), available[key] * max_epochs)
        remaining -= budgets[key]
    return budgets
