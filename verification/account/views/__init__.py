"""Views of the staff account pages, one module per page family."""
