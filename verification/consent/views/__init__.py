"""Views of the employee's pages behind their link, one module per part of the journey."""
