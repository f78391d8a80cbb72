"""Benchmark: load a large lab and answer reachability queries.

Generates (once, under bench/data/) a lab of 200 VPCs, 2,000 subnets, 20,000
instances, 200 NAT gateways and 1,000 active peering connections: VPC i is
10.i.0.0/16 (i < 200, spread over 10.x and 172.16-31.x blocks is not needed:
10.0-199 are distinct), peered with VPCs i+1..i+5 (mod 200) and routed to all
10 of its peers from both of its route tables; five public subnets (IGW route,
public IPs) and five private subnets (NAT route, a custom stateless NACL) per
VPC; three security groups per VPC (web, app referencing web, db referencing
app). Then it times ``load_lab`` (target < 5 s) and the median of a fixed mix
of queries (target < 50 ms): private ping over peering, app -> db in a VPC,
internet -> public web port, private instance -> internet through NAT, and
blocked queries (non-peered VPCs, closed ports).

    .venv/bin/python -m bench.reach [--queries 400] [--regenerate] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
LAB = DATA / "reach-lab.json"
VPCS, SUBNETS_PER_VPC, INSTANCES_PER_SUBNET, PEERS_AHEAD = 200, 10, 10, 5


def generate() -> dict[str, Any]:
    """The lab as a dict (deterministic)."""
    vpcs, subnets, igws, tables, groups, acls, instances, nats, peerings = ([] for _ in range(9))
    for a in range(VPCS):
        for k in range(1, PEERS_AHEAD + 1):
            b = (a + k) % VPCS
            peerings.append({"id": f"pcx-{a}-{b}", "requester": f"vpc-{a}", "accepter": f"vpc-{b}"})
    peer_routes: dict[int, list[dict[str, str]]] = {v: [] for v in range(VPCS)}
    for p in peerings:
        a, b = int(p["requester"][4:]), int(p["accepter"][4:])
        peer_routes[a].append({"destination": f"10.{b}.0.0/16", "target": p["id"]})
        peer_routes[b].append({"destination": f"10.{a}.0.0/16", "target": p["id"]})
    public_counter = 0
    for v in range(VPCS):
        vid = f"vpc-{v}"
        vpcs.append({"id": vid, "cidr": f"10.{v}.0.0/16"})
        igws.append({"id": f"igw-{v}", "vpc": vid})
        nats.append(
            {
                "id": f"nat-{v}",
                "subnet": f"subnet-{v}-0",
                "private_ip": f"10.{v}.0.250",
                "public_ip": f"54.{200 + v // 250}.{v % 250}.1",
            }
        )
        tables.append(
            {
                "id": f"rtb-{v}-public",
                "vpc": vid,
                "routes": [{"destination": "0.0.0.0/0", "target": f"igw-{v}"}, *peer_routes[v]],
            }
        )
        tables.append(
            {
                "id": f"rtb-{v}-private",
                "vpc": vid,
                "main": True,
                "routes": [{"destination": "0.0.0.0/0", "target": f"nat-{v}"}, *peer_routes[v]],
            }
        )
        groups += [
            {
                "id": f"sg-{v}-web",
                "vpc": vid,
                "ingress": [
                    {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
                    {"protocol": "tcp", "ports": 22, "cidr": "10.0.0.0/8"},
                    {"protocol": "icmp", "cidr": "10.0.0.0/8"},
                ],
            },
            {
                "id": f"sg-{v}-app",
                "vpc": vid,
                "ingress": [
                    {"protocol": "tcp", "ports": 8080, "security_group": f"sg-{v}-web"},
                    {"protocol": "icmp", "cidr": "10.0.0.0/8"},
                ],
            },
            {
                "id": f"sg-{v}-db",
                "vpc": vid,
                "ingress": [{"protocol": "tcp", "ports": 5432, "security_group": f"sg-{v}-app"}],
                "egress": [],
            },
        ]
        private = [f"subnet-{v}-{s}" for s in range(5, SUBNETS_PER_VPC)]
        acls.append(
            {
                "id": f"acl-{v}-private",
                "vpc": vid,
                "subnets": private,
                "ingress": [
                    {"rule": 100, "protocol": "all", "cidr": "10.0.0.0/8", "action": "allow"},
                    {
                        "rule": 110,
                        "protocol": "tcp",
                        "ports": "1024-65535",
                        "cidr": "0.0.0.0/0",
                        "action": "allow",
                    },
                ],
                "egress": [
                    {"rule": 100, "protocol": "all", "cidr": "0.0.0.0/0", "action": "allow"}
                ],
            }
        )
        for s in range(SUBNETS_PER_VPC):
            sid = f"subnet-{v}-{s}"
            public = s < 5
            sub: dict[str, Any] = {
                "id": sid,
                "vpc": vid,
                "cidr": f"10.{v}.{s}.0/24",
                "az": f"us-east-1{'abc'[s % 3]}",
            }
            if public:
                sub["route_table"] = f"rtb-{v}-public"
            subnets.append(sub)
            for n in range(INSTANCES_PER_SUBNET):
                inst: dict[str, Any] = {
                    "id": f"i-{v}-{s}-{n}",
                    "subnet": sid,
                    "private_ip": f"10.{v}.{s}.{10 + n}",
                    "eni": f"eni-{v}-{s}-{n}",
                }
                if public:
                    public_counter += 1
                    inst["public_ip"] = (
                        f"3.{80 + public_counter // 65536}.{(public_counter // 256) % 256}.{public_counter % 256}"
                    )
                    inst["security_groups"] = [f"sg-{v}-web"]
                else:
                    inst["security_groups"] = [f"sg-{v}-app" if n < 7 else f"sg-{v}-db"]
                instances.append(inst)
    return {
        "name": "bench-reach",
        "account": "111122223333",
        "vpcs": vpcs,
        "subnets": subnets,
        "internet_gateways": igws,
        "route_tables": tables,
        "security_groups": groups,
        "network_acls": acls,
        "instances": instances,
        "nat_gateways": nats,
        "peering_connections": peerings,
    }


def queries(n: int, seed: int = 7) -> list[tuple[str, str, str, int | None]]:
    """A fixed mix of reachable and blocked questions."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str, int | None]] = []
    while len(out) < n:
        a = rng.randrange(VPCS)
        kind = len(out) % 6
        if kind == 0:  # ping over peering, app subnets
            b = (a + rng.randint(1, PEERS_AHEAD)) % VPCS
            out.append((f"i-{a}-5-0", f"10.{b}.6.11", "icmp", None))
        elif kind == 1:  # app -> db inside a VPC
            out.append((f"i-{a}-6-1", f"i-{a}-7-8", "tcp", 5432))
        elif kind == 2:  # internet -> public web server
            out.append(
                ("198.51.100.77", f"i-{a}-{rng.randrange(5)}-{rng.randrange(10)}", "tcp", 443)
            )
        elif kind == 3:  # private instance -> internet through the NAT gateway
            out.append((f"i-{a}-8-2", "203.0.113.5", "tcp", 443))
        elif kind == 4:  # VPCs that are not peered: blocked, with fixes
            out.append((f"i-{a}-5-3", f"10.{(a + 100) % VPCS}.5.12", "icmp", None))
        else:  # closed port from the internet
            out.append(("198.51.100.77", f"i-{a}-1-1", "tcp", 3389))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from vpcflow.network.loader import load_lab
    from vpcflow.network.reach import reach

    DATA.mkdir(parents=True, exist_ok=True)
    if args.regenerate or not LAB.exists():
        LAB.write_text(json.dumps(generate(), separators=(",", ":")))
    yaml_lab = LAB.with_suffix(".yaml")
    if args.regenerate or not yaml_lab.exists():
        import yaml

        yaml_lab.write_text(
            yaml.safe_dump(
                json.loads(LAB.read_text()), sort_keys=False, default_flow_style=None, width=200
            )
        )

    loads: dict[str, list[float]] = {"json": [], "yaml": []}
    topo = None
    for _ in range(3):
        for fmt, path in (("json", LAB), ("yaml", yaml_lab)):
            t0 = time.perf_counter()
            topo = load_lab(path)
            loads[fmt].append(time.perf_counter() - t0)
    assert topo is not None
    counts = topo.summary()

    mix = queries(args.queries)
    for q in mix[:20]:  # warm caches the way a long-running process would have them
        reach(topo, q[0], q[1], q[2], port=q[3])
    times: list[float] = []
    reachable = 0
    for src, dst, proto, port in mix:
        t0 = time.perf_counter()
        result = reach(topo, src, dst, proto, port=port)
        times.append(time.perf_counter() - t0)
        reachable += result.reachable
    times.sort()
    report = {
        "lab": {
            k: counts[k]
            for k in (
                "vpcs",
                "subnets",
                "instances",
                "network_interfaces",
                "peering_connections",
                "route_tables",
            )
        },
        "file_mb": {
            "json": round(LAB.stat().st_size / 1e6, 1),
            "yaml": round(yaml_lab.stat().st_size / 1e6, 1),
        },
        "load_s": {
            fmt: {"best": round(min(v), 2), "median": round(statistics.median(v), 2)}
            for fmt, v in loads.items()
        },
        "queries": len(times),
        "reachable": reachable,
        "query_ms": {
            "median": round(statistics.median(times) * 1000, 2),
            "p95": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
            "max": round(times[-1] * 1000, 2),
        },
        "targets": {"load_s": 5, "median_query_ms": 50},
    }
    ok = max(loads["yaml"] + loads["json"]) < 5 and report["query_ms"]["median"] < 50  # type: ignore[index]
    report["ok"] = ok
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
