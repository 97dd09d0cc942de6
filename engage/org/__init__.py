"""Departments and areas: what accounts, surveys, plans and demographics all refer to."""
