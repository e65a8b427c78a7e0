"""A real Kubernetes control plane for the tests in tests/k8s/ (and scripts/control-plane.sh).

binaries.py finds the build cache, pki.py makes the certificates, processes.py starts and
stops components as process groups, cluster.py starts them in order and waits for each,
kubectl.py wraps the kubectl built with them.
"""
