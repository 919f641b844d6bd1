"""Verification attempts: the state machine of one verification through KYC-VS, from the
employee's steps on the web to the workers' provider calls and the sweep that loses no work."""
