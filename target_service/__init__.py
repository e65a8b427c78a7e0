"""The reference service under test: the back office of a clinic network, on Redis.

Run it with `python -m target_service` (see target_service/README.md).
"""
