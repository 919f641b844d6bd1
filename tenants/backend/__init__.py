"""django-tenants' PostgreSQL backend, with a list of tables that does not grow with the
number of organizations (``tenants.backend.base``)."""
