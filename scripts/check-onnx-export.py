#!/usr/bin/env python3
"""Check an `anomseer export --onnx DIR` with the official ONNX Python package (no anomseer code).

    /usr/bin/python3 scripts/check-onnx-export.py DIR

Needs the `onnx` package (Debian: `apt-get install python3-onnx`). Checks, for each graph file:
the SHA256SUMS entry; `onnx.checker.check_model(..., full_check=True)` (the spec checker with
strict shape inference); IR version 8 and opset 17 of the default domain only; that the graph's
inputs and outputs are exactly the ones policy.json lists, with the same element types and
shapes; and that the weights are initializers (no parameter is left as an input). It does not
run the graphs (the onnx package of Debian 12 is 1.12, before the reference evaluator):
tests/serve/export.test.ts runs them in onnxruntime-node.
Prints one line per check and exits 1 on the first failure.
"""
import hashlib
import json
import sys
from pathlib import Path

import onnx
from onnx import TensorProto

DTYPES = {TensorProto.FLOAT: "float32", TensorProto.INT64: "int64"}


def fail(msg: str) -> None:
    print(f"FAIL {msg}")
    sys.exit(1)


def dims(value_info) -> list:
    out = []
    for d in value_info.type.tensor_type.shape.dim:
        out.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or None))
    return out


def main(root: Path) -> None:
    sums = {}
    for line in (root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    for name, digest in sums.items():
        got = hashlib.sha256((root / name).read_bytes()).hexdigest()
        if got != digest:
            fail(f"{name}: sha256 {got} != SHA256SUMS {digest}")
    print(f"ok   SHA256SUMS: {len(sums)} files match")

    manifest = json.loads((root / "policy.json").read_text())
    for key, graph in manifest["graphs"].items():
        path = root / graph["file"]
        model = onnx.load(str(path))
        onnx.checker.check_model(model, full_check=True)
        print(f"ok   {graph['file']}: onnx.checker (full_check) passes")
        opsets = {(o.domain or "ai.onnx"): o.version for o in model.opset_import}
        if model.ir_version != 8 or opsets != {"ai.onnx": 17}:
            fail(f"{graph['file']}: IR {model.ir_version}, opsets {opsets}; policy.json says IR 8, opset 17")
        inits = {t.name for t in model.graph.initializer}
        inputs = [i for i in model.graph.input if i.name not in inits]
        for kind, actual in (("inputs", inputs), ("outputs", list(model.graph.output))):
            want = [(d["name"], d["dtype"], d["shape"]) for d in graph[kind]]
            have = [(v.name, DTYPES.get(v.type.tensor_type.elem_type, "?"), dims(v)) for v in actual]
            # A derived symbolic dim is written without a name (policy.json shows its derivation).
            norm = lambda s: [d if isinstance(d, int) or (isinstance(d, str) and d.isidentifier()) else None for d in s]
            if [(n, t, norm(s)) for n, t, s in want] != [(n, t, norm(s)) for n, t, s in have]:
                fail(f"{graph['file']} {kind}: file has {have}, policy.json lists {want}")
            print(f"ok   {graph['file']}: {len(have)} {kind} as policy.json lists them")
        print(f"ok   {graph['file']}: {len(model.graph.initializer)} initializers (weights and constants), {len(model.graph.node)} nodes")
    print("export ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(Path(sys.argv[1]))
