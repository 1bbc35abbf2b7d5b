#!/usr/bin/env python3
"""A faulty driver for the tests: it answers every `run` without its
"responses" (a protocol violation) and every other request sensibly."""
import json
import sys

for line in sys.stdin:
    try:
        req = json.loads(line)
    except ValueError:
        print(json.dumps({"id": None, "ok": False, "error": {"kind": "malformed_json"}}))
    else:
        answer = {"id": req.get("id"), "ok": True}
        if req.get("op") == "valid":
            answer.update(valid=True, first_invalid=None, number=None)
        print(json.dumps(answer))
    sys.stdout.flush()
