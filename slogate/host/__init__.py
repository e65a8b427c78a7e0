"""What every part of slogate needs from this machine, whatever the platform.

binaries.py    find prometheus, haproxy, redis-server (MissingDependencyError otherwise)
files.py       small files written atomically (temporary file, then rename) and read back
ports.py       loopback: free ports, whether a port is taken
processes.py   a child in its own process group, logging to a file, dying with us; stop it
children.py    the one place that builds slogate's own child commands (load, chaos) and
               owns them: spawn, start timeout, stop
"""

__all__: list[str] = []
