"""Views of an organization's site: dashboard (staff), employees (staff), consent (employees)."""
