"""A stand-in for CoWIN's KYC-VS service, speaking the same HTTP contract.

Mounted on the public site under /sandbox/ where settings allow it (never in production):
the three API calls under /sandbox/cowin/, its JWKS, a dev inbox for the SMS (and e-mails)
it "sends", demo vaccination certificates under /sandbox/certificates/ (docs/certificate.md),
and a control endpoint for fault injection. See docs/provider.md.
"""
