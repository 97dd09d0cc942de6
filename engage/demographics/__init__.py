"""Standard demographic dimensions and census baselines (the areas are in engage.org)."""
