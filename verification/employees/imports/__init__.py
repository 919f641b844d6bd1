"""Bulk import of employees from a CSV or XLSX file: read within limits, check every row,
preview, write on HR's confirmation (inline for small files, by a worker for large ones)."""
