"""The SLO spec format: the shipped file loads; bad files name file, field and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slogate.errors import ConfigError, ExitCode
from slogate.slo.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "slo" / "target-service.yaml"


def test_the_shipped_spec_holds_the_targets_claims():
    spec = load_spec(SHIPPED)
    by_name = {o.name: o for o in spec.spec.objectives}
    assert by_name["availability"].target == 0.999
    assert [p.value for p in by_name["availability"].measured_at] == ["server", "client", "edge"]
    assert by_name["error-rate-under-1pct"].target == 0.99
    assert (by_name["p95-under-500ms"].threshold, by_name["p95-under-500ms"].target) == (0.5, 0.95)
    assert (by_name["p99-under-1s"].threshold, by_name["p99-under-1s"].target) == (1, 0.99)
    assert by_name["throughput-500rps"].min_rps == 500
    assert by_name["startup-under-3s"].threshold == 3
    assert by_name["event-loop-lag-under-50ms"].is_gating() is False
    assert by_name["availability"].is_gating() is True
    absorbed = by_name["edge-absorbed-nothing"]
    assert (absorbed.sli, absorbed.max_count, absorbed.measured_at) == (
        "edge_absorbed",
        0,
        ["edge"],
    )
    assert spec.period_s == 30 * 86400


def _base() -> dict:
    return yaml.safe_load(SHIPPED.read_text())


def _objective(**fields) -> dict:
    return {"name": "x", "measured_at": ["server"], **fields}


# (scenario, mutate the document, expected field, words in the message)
BAD = [
    ("wrong apiVersion", lambda d: d.update(apiVersion="v2"), "apiVersion", "slogate.dev/v1"),
    ("missing service", lambda d: d["spec"].pop("service"), "spec.service", "Field required"),
    ("unknown key", lambda d: d["spec"].update(colour="red"), "spec.colour", "Extra inputs"),
    (
        "target above 1",
        lambda d: d["spec"]["objectives"][0].update(target=99.9),
        "spec.objectives[0].target",
        "less than 1",
    ),
    (
        "latency threshold off the buckets",
        lambda d: d["spec"]["objectives"][2].update(threshold=0.3),
        "spec.objectives[2].threshold",
        "one of the bucket bounds",
    ),
    (
        "edge latency",
        lambda d: d["spec"]["objectives"][3].update(measured_at=["server", "edge"]),
        "spec.objectives[3].measured_at",
        "no latency histogram",
    ),
    (
        "unknown SLI",
        lambda d: d["spec"]["objectives"].append(_objective(sli="happiness", target=0.9)),
        "spec.objectives[8].sli",
        "one of availability",
    ),
    (
        "availability without a target",
        lambda d: d["spec"]["objectives"].append(_objective(sli="availability")),
        "spec.objectives[8].target",
        "good share",
    ),
    (
        "throughput without a rate",
        lambda d: d["spec"]["objectives"].append(_objective(sli="throughput")),
        "spec.objectives[8].min_rps",
        "exactly one of",
    ),
    (
        "startup measured on the client",
        lambda d: d["spec"]["objectives"][5].update(measured_at=["client"]),
        "spec.objectives[5].measured_at",
        "[server]",
    ),
    (
        "duplicate objective names",
        lambda d: d["spec"]["objectives"][1].update(name="availability"),
        "spec.objectives[1].name",
        "unique",
    ),
    (
        "custom SLI with a function instead of a selector",
        lambda d: d["spec"].update(slis={"c": {"good": "rate(x[5m])", "total": "y"}}),
        "spec.slis.c.good",
        "counter selector",
    ),
    (
        "custom SLI whose selector is a whole expression",
        lambda d: d["spec"].update(slis={"c": {"good": 'x{a="1"} or vector(0)', "total": "y"}}),
        "spec.slis.c.good",
        "counter selector",
    ),
    (
        "custom SLI with two selectors joined by an operator",
        lambda d: d["spec"].update(slis={"c": {"bad": 'x{a="1"} or y{b="2"}', "total": "y"}}),
        "spec.slis.c.bad",
        "counter selector",
    ),
    (
        "custom SLI with a range",
        lambda d: d["spec"].update(slis={"c": {"good": 'x{a="1"}[5m]', "total": "y"}}),
        "spec.slis.c.good",
        "counter selector",
    ),
    ("bad duration", lambda d: d["spec"].update(period="a month"), "spec.period", "duration"),
    (
        "edge_absorbed measured at the server",
        lambda d: d["spec"]["objectives"][7].update(measured_at=["server"]),
        "spec.objectives[7].measured_at",
        "[edge]: only the edge sees the requests it absorbed",
    ),
    (
        "edge_absorbed without a maximum",
        lambda d: d["spec"]["objectives"][7].pop("max_count"),
        "spec.objectives[7].max_count",
        "the most absorbed requests allowed",
    ),
    (
        "edge_absorbed with a share target",
        lambda d: d["spec"]["objectives"][7].update(target=0.999),
        "spec.objectives[7].target",
        "edge_absorbed is a count",
    ),
    (
        "a negative maximum",
        lambda d: d["spec"]["objectives"][7].update(max_count=-1),
        "spec.objectives[7].max_count",
        "greater than or equal to 0",
    ),
    (
        "max_count on a share objective",
        lambda d: d["spec"]["objectives"][0].update(max_count=3),
        "spec.objectives[0].max_count",
        "only for sli edge_absorbed",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_specs_name_file_field_and_expectation(tmp_path, mutate, field, words):
    document = _base()
    mutate(document)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError) as caught:
        load_spec(path)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.exit_code is ExitCode.USAGE


def test_interpolate_allows_an_off_bucket_threshold(tmp_path):
    document = _base()
    document["spec"]["objectives"][2].update(threshold=0.3, interpolate=True)
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(document))
    assert load_spec(path).spec.objectives[2].interpolate is True


def test_custom_ratio_sli_loads(tmp_path):
    document = _base()
    document["spec"]["slis"] = {
        "orders": {"bad": 'orders_total{outcome="failed"}', "total": "orders_total"}
    }
    document["spec"]["objectives"].append(_objective(name="orders", sli="orders", target=0.99))
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(document))
    assert load_spec(path).spec.slis["orders"].bad == 'orders_total{outcome="failed"}'


def test_malformed_yaml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("apiVersion: slogate.dev/v1\nkind: SLO\nspec:\n  objectives: [a, b\n")
    with pytest.raises(ConfigError) as caught:
        load_spec(path)
    assert caught.value.field.startswith("line ")
    assert "column" in caught.value.field
    assert "not valid YAML" in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_spec(tmp_path / "nope.yaml")


def test_only_keeps_the_chosen_objectives_in_order_and_leaves_the_spec_alone():
    spec = load_spec(SHIPPED)
    names = [o.name for o in spec.spec.objectives]
    wanted = {"p99-under-1s", "availability"}
    chosen = spec.only(lambda o: o.name in wanted)
    assert [o.name for o in chosen.spec.objectives] == [n for n in names if n in wanted]
    assert [o.name for o in spec.spec.objectives] == names
    assert chosen.metadata == spec.metadata and chosen.spec.service == spec.spec.service
    assert spec.only(lambda o: False).spec.objectives == []
