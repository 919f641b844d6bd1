"""Views of HR's employee pages: the directory and records, and the exports."""
