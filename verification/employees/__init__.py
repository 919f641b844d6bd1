"""HR's employee records: the directory, one employee's page, add, edit, deactivate, the
invite and remind buttons, and exports; bulk import lives in ``imports``."""
