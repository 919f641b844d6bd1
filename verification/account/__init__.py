"""Staff accounts: sign-in by e-mail, two-factor, the team and its roles, the organization's
settings and its audit log; the session rules every staff page obeys."""
