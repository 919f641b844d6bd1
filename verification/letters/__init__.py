"""Printable invitation letters: the personal link as a QR code, with the notice in brief in
English and Hindi, for HR to hand to employees who have no e-mail (or no phone of their own)."""
