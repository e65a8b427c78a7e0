"""Helpers shared by the test suite: free ports, waiting on events, real servers in fixtures."""
