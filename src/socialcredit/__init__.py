"""socialcredit."""
