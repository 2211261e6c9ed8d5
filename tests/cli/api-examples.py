#!/usr/bin/env python3
"""api-examples.py BASE-URL API.md - run the examples of serve/API.md.

Each ```http block holds one "GET PATH" line; the ```json block after it
is the answer expected.  The answer must hold every field shown, and a
list shown is compared with the first elements of the one answered.  The
status must be the shown error's, else 200.  Prints "PASS request" or
"FAIL request: why" per example.
"""
import http.client
import json
import re
import sys
import urllib.parse


def holds(actual, expected, where="$"):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where} is not an object"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}.{key} is missing"
            why = holds(actual[key], value, f"{where}.{key}")
            if why:
                return why
        return ""
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) < len(expected):
            return f"{where}: {json.dumps(actual)[:200]}"
        if not expected and actual:
            return f"{where} is not empty"
        for i, value in enumerate(expected):
            why = holds(actual[i], value, f"{where}[{i}]")
            if why:
                return why
        return ""
    return "" if actual == expected else f"{where} is {json.dumps(actual)}, not {json.dumps(expected)}"


def main(base, document):
    text = open(document, encoding="utf-8").read()
    examples = re.findall(r"```http\n(GET [^\n]+)\n```\s*```json\n(.*?)```", text, re.S)
    if not examples:
        print("FAIL API.md: no examples found")
    parts = urllib.parse.urlsplit(base)
    for request, answer in examples:
        path = request.split(" ", 1)[1]
        expected = json.loads(answer)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        actual = json.loads(response.read())
        status = expected.get("error", {}).get("status", 200)
        why = f"status {response.status}, not {status}" if response.status != status else holds(actual, expected)
        print(f"FAIL {request}: {why}" if why else f"PASS {request}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
