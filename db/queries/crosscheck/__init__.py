"""The cross-check of the applications against the monitoring records.

- ``run`` — what callers use: ``crosscheck_open`` (every open application, set-based),
  ``crosscheck_application`` (one), ``reassess`` (the decisions due again); the locking and
  the order of the statements.
- ``join`` — the one join of each open application with its registry and best work record.
- ``checks`` — each finding code as a condition over a row of the join, and their SELECT.
- ``parameters`` — the county's policy parameters the checks compare with, as a table.
- ``statements`` — storing the findings: in line with the stored ones, or all new at once.
- ``decisions`` — a decision computed again with the registry's facts.
- ``dialect`` — where PostgreSQL and SQLite spell the SQL differently.
"""
