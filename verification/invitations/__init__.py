"""Invitations: the employee's personal link and its e-mails (invitation, receipts, view codes),
and reminders to those who have not answered."""
