"""Settings modules: ``base`` (shared), ``dev``, ``test`` and ``production``.

``manage.py`` and the Celery app default to ``portal.settings.dev``; pytest uses
``portal.settings.test``; deployments set ``DJANGO_SETTINGS_MODULE=portal.settings.production``.
"""
