"""Merchants of our own making, shaped unlike the built-in reference merchants, that paychaos is run against
to check its score is true on any merchant (issue 10). See MEASUREMENTS.md."""
