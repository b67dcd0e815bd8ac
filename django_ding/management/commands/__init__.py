"""``ding_status``, ``ding_lookup`` and ``ding_cleanup``."""
