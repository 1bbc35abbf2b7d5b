#!/usr/bin/env python3
"""Replay VirtualCert test vectors against any implementation (stdlib only).

    python3 examples/replay_vectors.py VECTORS.jsonl IMPLEMENTATION [ARGS...]

IMPLEMENTATION is a program speaking the driver protocol of docs/protocol.md
(one JSON request per line in, one JSON answer per line out), for instance
extract/vcert-driver.  For each vector it sends
    {"id": ..., "op": "run", "context": ..., "state": ..., "actions": [...]}
and compares the answer's "responses" and "final_state" with the vector's.
States are compared as maps (docs/vectors.md): association lists may come
back in any order.  Exit status 0 when every vector passes, 1 otherwise.
"""

import json
import subprocess
import sys


def as_map(value):
    """Association lists (lists of [int, value] pairs) become sorted maps."""
    if isinstance(value, dict):
        return {k: as_map(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], int)
                         for e in value):
            return sorted((k, as_map(v)) for k, v in value)
        return [as_map(v) for v in value]
    return value


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        vectors = [json.loads(line) for line in fh if line.strip()]
    impl = subprocess.Popen(argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    failed = 0
    for v in vectors:
        request = {"id": v["id"], "op": "run", "context": v["context"],
                   "state": v["initial_state"], "actions": v["actions"]}
        impl.stdin.write(json.dumps(request) + "\n")
        impl.stdin.flush()
        answer = json.loads(impl.stdout.readline())
        ok = (answer.get("ok") and answer["responses"] == v["responses"]
              and as_map(answer["final_state"]) == as_map(v["final_state"]))
        if not ok:
            failed += 1
            print(f"FAIL {v['id']} ({v['covers']}): expected {v['responses']}, "
                  f"got {answer.get('responses', answer.get('error'))}")
    impl.stdin.close()
    impl.wait()
    print(f"{len(vectors) - failed}/{len(vectors)} vectors pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
