"""Standard demographic dimensions, neighbourhoods (areas) and census baselines."""
