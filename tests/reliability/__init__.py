"""The fault-injection suite of issue #12: provider faults over real loopback
HTTP, database faults at every statement, user behaviour, a seeded fuzz and a
secret scan. Each module's docstring says what it proves; any later change
must keep it green."""
