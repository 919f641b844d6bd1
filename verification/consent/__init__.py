"""The employee's pages behind their personal link: notice, consent or decline, details, OTP,
result, withdrawal, and who may see the status through the link."""
