"""The local platform: real processes on loopback, shaped like the Kubernetes deployment.

Reached through `slogate.platform.registry` only (platform.py implements the protocol).

platform.py     LocalPlatform: the Platform protocol over the modules below
ports.py        the stack's ports: free or pinned, reserved until the stack stops
redis.py        redis-server's config (its password) and command line; a stack's Redis URL
replicas.py     command line and environment of one replica of the service
haproxy.py      the edge: generated config (/admin denied on the decoded path), runtime API
prometheus.py   generated config (scrape jobs), rule files hook, reload (SIGHUP via supervisor)
readiness.py    HTTP and Redis probes used while waiting for parts
faults.py       process faults with a TTL (kill, term, stop)
supervisor.py   the kubelet: owns the children, restarts them, enforces faults
toxic_sweep.py  the fault proxy's sweep thread: expired toxics, proxies no partition holds
control.py      the supervisor's HTTP surface: metrics and control API (admin token)
stack.py        `up` and `down`: the order of parts, clean-up on failure
launcher.py     `slogate up`: the supervisor started detached, its progress followed
daemon.py       the detached supervisor process and its progress pipe
gate_session.py the stack of one gate run: supervised by a thread, seeding and the load's
                start overlapping the start-up
seeding.py      the service's seed command against the stack's Redis
status.py       what `slogate status` shows of each part
chaos_backend.py chaos activities on a local stack (supervisor API, target fault hooks)
fault_removal.py removing a local fault from its ledger descriptor alone
"""

# nothing is re-exported: the registry imports platform.py, nothing else reaches in
__all__: list[str] = []
