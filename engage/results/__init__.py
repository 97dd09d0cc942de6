"""Read-only results: aggregation, weighting, suppression, intervals, disparities."""
