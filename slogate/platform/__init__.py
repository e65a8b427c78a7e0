"""Platforms that bring the service under test up and down (local processes, Kubernetes).

base.py         the Platform protocol (and GateSession, ChaosBackend) and the data it hands
                out: StackEvent, PartRow, DoctorCheck
registry.py     which platform serves a stack, by `platform:` (the only importer of local/)
state.py        a stack's state file, the contract between `up` and every later command
prometheus_server.py a Prometheus this machine runs: config file, command line, first samples
stack_secrets.py the stack's admin token and Redis password (files 0600 in its 0700 folder)
local/          the embedded default: real processes on loopback
kubernetes/     a cluster: kustomize root, port-forwards, chaostoolkit-kubernetes
"""

__all__: list[str] = []
