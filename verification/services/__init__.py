"""Writes inside an organization's schema, one module per topic.

staff        staff users and roles
employees    employee records
invitations  invitations and their e-mails
consent      consent given, declined, withdrawn (erasure)
attempts     verification attempts: the employee's steps and the workers' steps
"""

from verification.services.staff import staff_user_create

__all__ = ["staff_user_create"]
