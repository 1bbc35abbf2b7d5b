#!/usr/bin/env python3
"""A faulty driver for the tests: after reading a request it writes bytes
forever without ending the line."""
import sys

sys.stdin.readline()
chunk = b"x" * 65536
while True:
    sys.stdout.buffer.write(chunk)
