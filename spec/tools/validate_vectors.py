#!/usr/bin/env python3
"""Validates spec/ for consistency. Exit code 0 = all good; prints every problem otherwise.

Checks:
- asyncapi.yaml parses; every message payload/schema $ref resolves; names follow the naming rules;
- PROTOCOL.md requirement ids are unique and every id referenced from asyncapi.yaml or PROTOCOL.md exists;
- every vector in vectors/events, vectors/commands, vectors/errors validates (jsonschema) against its message's
  payload schema (the whole envelope), timestamps are canonical (3 fraction digits, Z), the file is in canonical
  form (2-space indentation, envelope and payload property order);
- every event and every command has at least one vector, every error code exactly one error vector;
- vectors/bad-input cases are well-formed and really fail the way they say (JSON / UTF-8 / envelope / schema).
- with --check-build: asyncapi.yaml and the generated parts of PROTOCOL.md are up to date.

Requires: python3, PyYAML, jsonschema (>= 4.18).
"""
from __future__ import annotations

import base64
import glob
import json
import os
import re
import subprocess
import sys
from collections import Counter, OrderedDict

import jsonschema
import yaml

SPEC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VEC = os.path.join(SPEC, "vectors")
problems: list[str] = []


def fail(msg):
    problems.append(msg)


DOC = yaml.safe_load(open(os.path.join(SPEC, "asyncapi.yaml"), encoding="utf-8"))
SCHEMAS = DOC["components"]["schemas"]
MESSAGES = DOC["components"]["messages"]
ERR = {e["code"]: e["name"] for e in DOC["x-error-codes"]}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time")
def _dt(value):
    return not isinstance(value, str) or bool(TS.match(value))


def pascal(wire):
    return "".join(p[:1].upper() + p[1:].lower() for p in wire.split("_") if p)


def validator_for(message_key):
    root = dict(DOC)
    root["$ref"] = f"#/components/messages/{message_key}/payload"
    return jsonschema.Draft202012Validator(root, format_checker=FORMATS)


EVENT_KEYS = {m["name"]: k for k, m in MESSAGES.items() if m["x-direction"] == "server-to-client"}
COMMAND_KEYS = {m["name"]: k for k, m in MESSAGES.items() if m["x-direction"] == "client-to-server"}


def resolve(s):
    while "$ref" in s:
        s = SCHEMAS[s["$ref"].rsplit("/", 1)[-1]]
    return s


def check_order(value, schema, where):
    s = resolve(schema) if schema else None
    if s is None:
        return
    if isinstance(value, dict) and "properties" in s:
        keys = [k for k in s["properties"] if k in value]
        if list(value.keys()) != keys:
            fail(f"{where}: property order {list(value.keys())} != schema order {keys}")
        for k, v in value.items():
            if k in s["properties"]:
                check_order(v, s["properties"][k], f"{where}.{k}")
    elif isinstance(value, list) and s.get("type") == "array":
        for i, v in enumerate(value):
            check_order(v, s.get("items"), f"{where}[{i}]")


def canonical(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def load_vector(path):
    text = open(path, encoding="utf-8").read()
    obj = json.loads(text, object_pairs_hook=OrderedDict)
    if text != canonical(obj):
        fail(f"{path}: not in canonical form (2-space indent, trailing newline, no escaped non-ASCII)")
    return obj


def check_envelope_vector(path, obj):
    rel = os.path.relpath(path, SPEC)
    if "event" in obj:
        name = obj["event"]
        key = EVENT_KEYS.get(name)
        env_order = ["event", "cid", "seq", "response"]
        body, suffix = "response", "Event"
    else:
        name = obj.get("command")
        key = COMMAND_KEYS.get(name)
        env_order = ["command", "cid", "request"]
        body, suffix = "request", "Command"
    if key is None:
        fail(f"{rel}: unknown event/command {name!r}")
        return None
    if list(obj.keys()) != [k for k in env_order if k in obj]:
        fail(f"{rel}: envelope order {list(obj.keys())}")
    if body not in obj:
        fail(f"{rel}: writers always emit '{body}'")
    for err in validator_for(key).iter_errors(obj):
        fail(f"{rel}: {err.json_path}: {err.message}")
    check_order(obj.get(body), {"$ref": f"#/components/schemas/{pascal(name)}{suffix}"}, rel)
    return name


def check_spec():
    md = open(os.path.join(SPEC, "PROTOCOL.md"), encoding="utf-8").read()
    ids = re.findall(r"\*\*(SB-[A-Z]+-\d{3}) (MUST|SHOULD|MAY)\*\*", md)
    counts = Counter(i for i, _ in ids)
    for i, n in counts.items():
        if n > 1:
            fail(f"PROTOCOL.md: requirement {i} defined {n} times")
    refs = set(re.findall(r"SB-[A-Z]+-\d{3}", md))
    for m in MESSAGES.values():
        refs |= set(m.get("x-requirements", []))
    refs |= {e["requirement"] for e in DOC["x-error-codes"] if e.get("requirement")}
    for r in sorted(refs - set(counts)):
        fail(f"requirement {r} is referenced but not defined in PROTOCOL.md")
    for k, m in MESSAGES.items():
        exp = pascal(m["name"]) + ("Command" if m["x-direction"] == "client-to-server" else "")
        if k != exp:
            fail(f"asyncapi: message key {k} should be {exp}")
        body = "request" if m["x-direction"] == "client-to-server" else "response"
        ref = m["payload"]["properties"][body]["$ref"].rsplit("/", 1)[-1]
        if ref not in SCHEMAS:
            fail(f"asyncapi: {k} payload refers to missing schema {ref}")
        for e in m.get("x-errors", []):
            if e not in ERR.values():
                fail(f"asyncapi: {k} x-errors has unknown error {e}")
        for r in ("x-reply", "x-error-reply"):
            if r in m and m[r] not in EVENT_KEYS:
                fail(f"asyncapi: {k} {r} {m[r]} is not an event")
    for name, s in SCHEMAS.items():
        for pname, p in (s.get("properties") or {}).items():
            if "enum" in p or (p.get("type") == "object"):
                fail(f"asyncapi: {name}.{pname} has an inline enum/object")
            if "$ref" in p and p["$ref"].rsplit("/", 1)[-1] not in SCHEMAS:
                fail(f"asyncapi: {name}.{pname} $ref does not resolve")
    return len(ids)


def check_vectors():
    seen_events, seen_commands, seen_codes = set(), set(), set()
    n = 0
    for path in sorted(glob.glob(os.path.join(VEC, "events", "*.json"))):
        obj = load_vector(path)
        n += 1
        name = check_envelope_vector(path, obj)
        if name and not os.path.basename(path).startswith(name + "."):
            fail(f"{path}: file name does not start with {name}")
        seen_events.add(name)
    for path in sorted(glob.glob(os.path.join(VEC, "commands", "*.json"))):
        obj = load_vector(path)
        n += 1
        name = check_envelope_vector(path, obj)
        if name and not os.path.basename(path).startswith(name + "."):
            fail(f"{path}: file name does not start with {name}")
        seen_commands.add(name)
    for path in sorted(glob.glob(os.path.join(VEC, "errors", "*.json"))):
        obj = load_vector(path)
        n += 1
        name = check_envelope_vector(path, obj)
        if name not in ("ERROR", "SEND_MESSAGE_ERROR", "TRANSFER_ERROR"):
            fail(f"{path}: error vectors are ERROR, SEND_MESSAGE_ERROR or TRANSFER_ERROR")
            continue
        code, ename = obj["response"]["code"], obj["response"]["error"]
        if ERR.get(code) != ename:
            fail(f"{path}: code {code} is {ERR.get(code)}, not {ename}")
        if os.path.basename(path) != f"{code}-{ename}.json":
            fail(f"{path}: should be named {code}-{ename}.json")
        seen_codes.add(code)
    for missing in sorted(set(EVENT_KEYS) - seen_events):
        fail(f"no vector for event {missing}")
    for missing in sorted(set(COMMAND_KEYS) - seen_commands):
        fail(f"no vector for command {missing}")
    for missing in sorted(set(ERR) - seen_codes):
        fail(f"no error vector for code {missing} {ERR[missing]}")
    return n


def is_lone_surrogate(value):
    return isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def check_bad_input():
    n = 0
    for path in sorted(glob.glob(os.path.join(VEC, "bad-input", "*.json"))):
        n += 1
        rel = os.path.relpath(path, SPEC)
        case = load_vector(path)
        for k in ("description", "expected_code", "expected_event", "expected_error"):
            if k not in case:
                fail(f"{rel}: missing {k}")
        code = case.get("expected_code")
        if ERR.get(code) != case.get("expected_error"):
            fail(f"{rel}: expected_code/expected_error mismatch")
        if ("input" in case) == ("input_base64" in case):
            fail(f"{rel}: exactly one of input / input_base64")
            continue
        raw = case["input"].encode("utf-8") if "input" in case else base64.b64decode(case["input_base64"])
        if case.get("frame", "text") == "binary":
            if code != 1007 or case.get("expected_close") != 4400:
                fail(f"{rel}: binary frames expect 1007 and close 4400")
            continue
        if code == 1006:
            limit = case.get("max_message_bytes", 65536)
            if len(raw) <= limit or case.get("expected_close") != 4413:
                fail(f"{rel}: oversized input must exceed {limit} bytes and expect close 4413")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if code != 1002:
                fail(f"{rel}: input is not UTF-8 but expected {code}")
            continue
        if code == 1002:
            fail(f"{rel}: input is valid UTF-8")
            continue
        try:
            env = json.loads(text) if text.strip() else None
            if not text.strip():
                raise ValueError("empty")
        except ValueError:
            if code != 1001:
                fail(f"{rel}: input is not JSON but expected {code}")
            continue
        if code == 1001:
            fail(f"{rel}: input is valid JSON")
            continue
        if not isinstance(env, dict):
            if code != 1008:
                fail(f"{rel}: not an object but expected {code}")
            continue
        cmd = env.get("command")
        # SB-CODEC-018: a string with a lone-surrogate escape is not text (Python's json keeps the surrogate).
        if is_lone_surrogate(cmd):
            if code != 1008 or case.get("expected_path") != "$.command":
                fail(f"{rel}: a lone surrogate in command expects 1008 $.command")
            continue
        if code == 1008:
            if isinstance(cmd, str) and (env.get("request") is None or isinstance(env.get("request"), dict)):
                fail(f"{rel}: envelope is well-formed but expected 1008")
            continue
        if is_lone_surrogate(env.get("cid")):
            if code != 1005 or case.get("expected_path") != "$.cid":
                fail(f"{rel}: a lone surrogate in cid expects 1005 $.cid")
            continue
        lone = [k for k, v in (env.get("request") or {}).items() if is_lone_surrogate(v)]
        if lone:
            if code != 1005 or case.get("expected_path") != f"$.request.{lone[0]}":
                fail(f"{rel}: a lone surrogate in request.{lone[0]} expects 1005 $.request.{lone[0]}")
            continue
        if code == 1003:
            if cmd in COMMAND_KEYS:
                fail(f"{rel}: {cmd} is a known command")
            continue
        if "command" not in env:
            if code != 1004 or case.get("expected_path") != "$.command":
                fail(f"{rel}: missing command expects 1004 $.command")
            continue
        key = COMMAND_KEYS.get(cmd)
        if key is None:
            fail(f"{rel}: unknown command {cmd} but expected {code}")
            continue
        expected_event = MESSAGES[key].get("x-error-reply", "ERROR")
        if case.get("path") is None and case.get("expected_path") == "$.cid":
            expected_event = "ERROR"  # an invalid cid is an envelope error, reported by ERROR
        if case.get("expected_event") != expected_event:
            fail(f"{rel}: expected_event should be {expected_event}")
        if code == 3003:
            room = (env.get("request") or {}).get("room")
            if isinstance(room, str) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", room):
                fail(f"{rel}: room {room!r} is valid")
            continue
        # 1004/1005: the envelope (with null optional properties removed, request defaulting to {}) must fail the
        # command's payload schema at the expected path.
        normalized = dict(env)
        normalized["request"] = {k: v for k, v in (env.get("request") or {}).items() if v is not None}
        errors = list(validator_for(key).iter_errors(normalized))
        paths = set()
        for e in errors:
            p = "$" + "".join(f".{x}" if isinstance(x, str) else f"[{x}]" for x in e.absolute_path)
            if e.validator == "required":
                missing = re.findall(r"'([^']+)' is a required property", e.message)
                p = p + "." + missing[0] if missing else p
            paths.add(p)
        if case.get("expected_path") not in paths:
            fail(f"{rel}: schema errors at {sorted(paths)}, expected {case.get('expected_path')}")
    return n


def schema_validator(name):
    root = dict(DOC)
    root["$ref"] = f"#/components/schemas/{name}"
    return jsonschema.Draft202012Validator(root, format_checker=FORMATS)


def check_http():
    n = 0
    ops = {(o["method"], o["path"]): o for o in DOC.get("x-http-api", [])}
    for path in sorted(glob.glob(os.path.join(VEC, "http", "*.json"))):
        n += 1
        rel = os.path.relpath(path, SPEC)
        case = load_vector(path)
        req, resp = case["request"], case["response"]
        for part, where in ((req, "request"), (resp, "response")):
            if "schema" not in part:
                continue
            if part["schema"] not in SCHEMAS:
                fail(f"{rel}: {where} schema {part['schema']} missing")
                continue
            body = part["body"]
            if where == "request" and case.get("response", {}).get("status", 200) >= 400:
                continue  # deliberately invalid request bodies
            for err in schema_validator(part["schema"]).iter_errors(body):
                fail(f"{rel}: {where}{err.json_path[1:]}: {err.message}")
            check_order(body, {"$ref": f"#/components/schemas/{part['schema']}"}, f"{rel} {where}")
        if resp["status"] < 400:
            route = req["path"].split("?")[0]
            match = [o for (m, p), o in ops.items() if m == req["method"]
                     and re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)), route)]
            if not match:
                fail(f"{rel}: {req['method']} {route} is not in x-http-api")
            elif match[0]["response"] != resp["schema"] or match[0]["status"] != resp["status"]:
                fail(f"{rel}: x-http-api says {match[0]['status']} {match[0]['response']}")
        elif resp["schema"] != "ProblemDetails" or resp.get("content_type") != "application/problem+json":
            fail(f"{rel}: errors are application/problem+json ProblemDetails")
        elif ERR.get(resp["body"]["code"]) != resp["body"]["error"]:
            fail(f"{rel}: code/error mismatch")
    return n


def check_build():
    for script in ("gen_protocol_reference.py",):
        r = subprocess.run([sys.executable, os.path.join(SPEC, "tools", script), "--check"], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{script} --check: {r.stderr.strip()}")


def main():
    reqs = check_spec()
    n = check_vectors()
    b = check_bad_input()
    h = check_http()
    if "--check-build" in sys.argv:
        check_build()
    for p in problems:
        print("FAIL", p)
    print(f"{reqs} requirements, {n} envelope vectors, {b} bad-input cases, {h} http examples, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
