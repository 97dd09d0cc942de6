"""The staff home page: every survey with live counts."""
