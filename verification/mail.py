"""E-mails of the features: rendered and sent one way, by ``portal.mail`` (the public site's
e-mails use it too, and the platform may not import the features)."""

from portal.mail import mail_render, mail_send

__all__ = ["mail_render", "mail_send"]
