"""The Kubernetes platform: the kustomize root applied to a cluster, chaos through
chaostoolkit-kubernetes (reached only through slogate/platform/registry.py).

platform.py       KubernetesPlatform, the `Platform` protocol
cluster.py        an API client from a kubeconfig and context; API errors as slogate errors
manifests.py      the kustomize root built (kubectl kustomize) into objects
apply.py          server-side apply, recording what `up` created; `down` deletes only that
record.py         the stack's record of the cluster, namespace and created objects
rollout.py        waiting for Deployments to roll out, with progress events
chaos_identity.py a token of the chaos ServiceAccount, as a kubeconfig chaos runs with
chaos_backend.py  pod kill (terminate_pods), Redis scaled to 0 and back, in the fault ledger
fault_removal.py  a ledger fault removed from its Rollback descriptor alone
deadline.py       a call into a library that sets no timeout, bounded all the same
local_prometheus.py the Prometheus on this machine: scrapes the load generator, federates
                  the in-cluster one (client SLIs on Kubernetes)
"""

__all__: list[str] = []
