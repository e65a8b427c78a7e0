"""FAKE `kind` and `docker` executables for the `platform: kind` tests (no Docker engine exists
on this machine, so no real kind cluster can).

`install_fakes(folder)` writes both into `folder/bin` (put it first on PATH). Each logs its
arguments, one JSON list per line, to `folder/calls.jsonl`. The fake kind keeps its clusters'
names in `folder/clusters` (`get clusters`, `create cluster` adds, `delete cluster` removes);
`create cluster` fails after adding the name (a half-made cluster) when `folder/fail-create`
exists; `get kubeconfig` prints the file named in `folder/kubeconfig-path` (the test control
plane's, so the Kubernetes part of `platform: kind` runs against a real API server). The fake
docker accepts `build` and does nothing.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

KIND = """
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent.parent
args = sys.argv[1:]
with (here / "calls.jsonl").open("a") as log:
    log.write(json.dumps(["kind", *args]) + "\\n")
clusters_file = here / "clusters"
clusters = [c for c in clusters_file.read_text().split() if c] if clusters_file.exists() else []
def name():
    return args[args.index("--name") + 1]
if args[:2] == ["get", "clusters"]:
    if clusters:
        print("\\n".join(clusters))
    else:
        sys.stderr.write("No kind clusters found.\\n")
elif args[:2] == ["create", "cluster"]:
    clusters_file.write_text("\\n".join([*clusters, name()]))
    if (here / "fail-create").exists():
        sys.stderr.write("ERROR: failed to create cluster: node(s) never became ready\\n")
        sys.exit(1)
elif args[:2] == ["delete", "cluster"]:
    clusters_file.write_text("\\n".join(c for c in clusters if c != name()))
elif args[:2] == ["get", "kubeconfig"]:
    print(Path((here / "kubeconfig-path").read_text().strip()).read_text(), end="")
elif args[:2] == ["load", "docker-image"]:
    pass
else:
    sys.stderr.write(f"fake kind: unexpected {args}\\n")
    sys.exit(2)
"""

DOCKER = """
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent.parent
with (here / "calls.jsonl").open("a") as log:
    log.write(json.dumps(["docker", *sys.argv[1:]]) + "\\n")
if sys.argv[1:2] != ["build"]:
    sys.stderr.write(f"fake docker: unexpected {sys.argv[1:]}\\n")
    sys.exit(2)
"""


@dataclass
class Fakes:
    folder: Path

    @property
    def bin(self) -> Path:
        return self.folder / "bin"

    def calls(self) -> list[list[str]]:
        path = self.folder / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def clusters(self) -> list[str]:
        path = self.folder / "clusters"
        return path.read_text().split() if path.exists() else []

    def add_cluster(self, name: str) -> None:
        (self.folder / "clusters").write_text("\n".join([*self.clusters(), name]))

    def fail_create(self) -> None:
        (self.folder / "fail-create").touch()

    def serve_kubeconfig(self, path: Path) -> None:
        (self.folder / "kubeconfig-path").write_text(str(path))


def install_fakes(folder: Path, kind: bool = True, docker: bool = True) -> Fakes:
    """The fake executables in `folder/bin` (leave one out to test its absence)."""
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    for name, body, wanted in (("kind", KIND, kind), ("docker", DOCKER, docker)):
        if wanted:
            path = folder / "bin" / name
            path.write_text(f"#!{sys.executable}\n{body}")
            path.chmod(0o755)
    return Fakes(folder)
