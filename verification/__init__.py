"""Everything inside one organization's schema, one room (package) per feature; one Django app
label (``verification``), so migrations never move. docs/architecture.md is the map.

account      staff sign-in, two-factor, team, settings, audit log, session rules
employees    HR's directory, employee pages, exports; employees/imports: bulk import
invitations  the employee's link, its e-mails, reminders
consent      the employee's pages (the journey), who may see the status through the link
attempts     the verification state machine: steps, worker, sweep
review       HR's review of verifications through another number
dashboard    buckets, live numbers, daily snapshots
privacy      erasure, retention, the employee's own summary
providers    ways to verify (KYC-VS, certificate) and the CoWIN sandbox; pure, no models

Shared by the rooms: models/ (one module per entity), audit.py + events.py (the audit
trail), queue.py (tasks by name after commit), mail.py, crypto.py, phones.py, names.py,
errors.py (the employee flow's error codes), ratelimit.py, spreadsheets.py.
"""
