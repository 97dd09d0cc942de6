"""Departments' plans, objectives, findings and actions (departments are in engage.org)."""
