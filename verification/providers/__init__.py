"""Ways to verify a vaccination status, one package each, behind a shared vocabulary (``base``):

kycvs        CoWIN's KYC-VS API: an OTP by SMS, then a signed status (``kycvs.get_provider()``)
certificate  a CoWIN vaccination certificate's signed QR code, verified offline
sandbox      a stand-in for CoWIN that speaks the same HTTP contract (dev and tests only)

Nothing here imports a model, view, task or feature module of Tika (``make lint`` checks it).
"""
