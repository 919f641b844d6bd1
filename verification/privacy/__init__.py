"""Privacy: ONE erasure of what is held about a person's vaccination, retention after they leave
or withdraw, and the employee's own summary of what is held and who looked."""
