#!/usr/bin/env python3
"""Regenerates the generated parts of spec/PROTOCOL.md from spec/asyncapi.yaml.

Generated parts sit between `<!-- BEGIN GENERATED: <name> -->` and `<!-- END GENERATED: <name> -->` markers:
error-codes, close-codes, reference. Run: `python3 spec/tools/gen_protocol_reference.py` (add `--check` to fail
when PROTOCOL.md is stale instead of rewriting it).
"""
from __future__ import annotations

import os
import re
import sys

import yaml

SPEC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(SPEC, "asyncapi.yaml")
MD = os.path.join(SPEC, "PROTOCOL.md")


def load():
    with open(DOC, encoding="utf-8") as f:
        return yaml.safe_load(f)


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(p: dict) -> str:
    if "$ref" in p:
        return f"`{ref_name(p['$ref'])}`"
    t = p.get("type")
    if t is None:
        return "any"
    if t == "array":
        return type_of(p["items"]).rstrip("`") + "[]`" if "$ref" in p["items"] else f"{p['items'].get('type')}[]"
    if t == "string" and p.get("format") == "date-time":
        return "date-time"
    if t == "integer":
        return "integer (int32)" if p.get("format") == "int32" else "integer"
    return t


def constraints(p: dict) -> str:
    parts = []
    for k, label in (("minLength", "min length"), ("maxLength", "max length"), ("minimum", "min"),
                     ("maximum", "max"), ("pattern", "pattern"), ("default", "default")):
        if k in p:
            v = p[k]
            if isinstance(v, bool):
                v = "true" if v else "false"
            parts.append(f"{label} `{v}`")
    return "; ".join(parts)


def esc(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def table(schema: dict) -> list[str]:
    props = schema.get("properties") or {}
    if not props:
        return ["No fields (`{}`)."]
    req = set(schema.get("required") or [])
    out = ["| field | type | required | description |", "|---|---|---|---|"]
    for name, p in props.items():
        c = constraints(p)
        desc = esc(p.get("description", "")) + (f" ({c})" if c else "")
        out.append(f"| `{name}` | {type_of(p)} | {'yes' if name in req else 'no'} | {desc} |")
    return out


def gen_errors(doc) -> list[str]:
    out = ["| code | name | meaning | requirement |", "|---|---|---|---|"]
    for e in doc["x-error-codes"]:
        out.append(f"| {e['code']} | `{e['name']}` | {esc(e['summary'])} | {e.get('requirement', '')} |")
    return out


def gen_close(doc) -> list[str]:
    out = ["| code | name | retryable | meaning |", "|---|---|---|---|"]
    for e in doc["x-close-codes"]:
        out.append(f"| {e['code']} | `{e['name']}` | {'yes' if e['retryable'] else 'no'} | {esc(e['summary'])} |")
    return out


def gen_reference(doc) -> list[str]:
    msgs = doc["components"]["messages"]
    schemas = doc["components"]["schemas"]
    codes = {e["name"]: e["code"] for e in doc["x-error-codes"]}
    out = ["### 25.1 Events (server → client)", ""]
    n = 0
    for key, m in msgs.items():
        if m["x-direction"] != "server-to-client":
            continue
        n += 1
        sname = ref_name(m["payload"]["properties"]["response"]["$ref"])
        out += [f"#### 25.1.{n} {m['name']}", "",
                f"{m['summary']} {m['description']}", "",
                f"- Direction: server → client. Delivery: **{m['x-delivery']}**"
                + (" (carries `seq`)." if m["x-delivery"] == "durable" else "."),
                f"- Payload schema: `{sname}` (message `{key}`).",
                f"- Requirements: {', '.join(m.get('x-requirements', []))}.", ""]
        out += table(schemas[sname]) + [""]
    out += ["### 25.2 Commands (client → server)", ""]
    n = 0
    for key, m in msgs.items():
        if m["x-direction"] != "client-to-server":
            continue
        n += 1
        sname = ref_name(m["payload"]["properties"]["request"]["$ref"])
        roles = ", ".join(m["x-roles"]) if m.get("x-roles") else "any"
        errs = ", ".join(f"{codes[e]} `{e}`" for e in m.get("x-errors", [])) or "none specific"
        out += [f"#### 25.2.{n} {m['name']}", "",
                f"{m['summary']} {m['description']}", "",
                "- Direction: client → server.",
                f"- Roles: {roles}" + (" (other roles: 2004 `FORBIDDEN`)." if m.get("x-roles") else "."),
                f"- Success reply: {('`' + m['x-reply'] + '`') if m.get('x-reply') else 'none'}"
                + ((" (also when the command has no `cid`; the reply then carries none)." if m.get("x-reply-without-cid")
                    else " (only when the command has a `cid`).") if m.get("x-reply") else "."),
                f"- Error reply: `{m.get('x-error-reply', 'ERROR')}`. Errors: {errs}.",
                f"- Payload schema: `{sname}` (message `{key}`).",
                f"- Requirements: {', '.join(m.get('x-requirements', []))}.", ""]
        out += table(schemas[sname]) + [""]
    out += ["### 25.3 Shared types", ""]
    for name, s in schemas.items():
        if name.endswith("Event") or name.endswith("Command"):
            continue
        if "enum" in s:
            out += [f"- `{name}` (string enum): {', '.join('`' + v + '`' for v in s['enum'])}. {esc(s.get('description', ''))}"]
        elif s.get("type") == "object":
            out += ["", f"`{name}`: {esc(s.get('description', ''))}", ""] + table(s) + [""]
        else:
            c = constraints(s)
            out += [f"- `{name}` ({type_of(s)}{'; ' + c if c else ''}): {esc(s.get('description', ''))}"]
    out.append("")
    return out


def render(md: str, doc) -> str:
    gens = {"error-codes": gen_errors(doc), "close-codes": gen_close(doc), "reference": gen_reference(doc)}
    for name, lines in gens.items():
        pat = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
        if not pat.search(md):
            raise SystemExit(f"marker for {name} missing in PROTOCOL.md")
        md = pat.sub(lambda m: m.group(1) + "\n".join(lines).rstrip("\n") + "\n" + m.group(2), md)
    return md


def main():
    doc = load()
    with open(MD, encoding="utf-8") as f:
        md = f.read()
    new = render(md, doc)
    if "--check" in sys.argv:
        if new != md:
            print("spec/PROTOCOL.md generated sections are stale: run python3 spec/tools/gen_protocol_reference.py",
                  file=sys.stderr)
            sys.exit(1)
        return
    with open(MD, "w", encoding="utf-8", newline="\n") as f:
        f.write(new)
    print("updated", MD)


if __name__ == "__main__":
    main()
