"""The staff console's queries: the dashboard, the work queue and the claim page."""
