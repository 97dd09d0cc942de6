"""Departments and (later) their plans, objectives, findings and actions."""
