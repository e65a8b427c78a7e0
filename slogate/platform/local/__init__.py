"""The local platform: real processes on loopback, shaped like the Kubernetes deployment.

binaries.py     find prometheus, haproxy, redis-server (MissingDependencyError otherwise)
ports.py        free or pinned ports, reserved until the stack stops
processes.py    start a child in its own process group, stop it, record it
redis.py        redis-server command line
replicas.py     command line and environment of one replica of the service
haproxy.py      the edge: generated config and the runtime API (drain, state)
prometheus.py   generated config, rule files hook, readiness, reload
readiness.py    HTTP probes used while waiting for parts
faults.py       process faults with a TTL (kill, term, stop)
supervisor.py   the kubelet: owns the children, restarts them, enforces faults
control.py      the supervisor's HTTP surface: metrics and control API
stack.py        `up` and `down`: the order of parts, clean-up on failure
"""
