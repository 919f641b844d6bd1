"""The HR dashboard: where the organization's active employees stand (one bucket table),
live, with the daily snapshots of its trend chart."""
