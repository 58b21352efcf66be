#!/usr/bin/env python3
"""Mutation campaign driver for the Switchboard conformance suite (run through run.sh; see README.md here).

Each mutant in mutants.json is one or more exact search/replace edits of src/Server that break one MUST rule. The
driver never edits the repository: it copies the sources it needs into a temp tree per job, applies one mutant at a
time, builds Switchboard.Server incrementally, runs the reference server on a free loopback port with a temp data
dir, runs the conformance tool against it by URL and records the verdicts.
"""
import argparse
import fnmatch
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KEY = "mutation-campaign-signing-key-0123456789abcdef"
BUILD_PROPS = ["-c", "Release", "-v", "q", "--nologo", "-p:RunAnalyzers=false",
               "-p:GenerateDocumentationFile=false", "-p:TreatWarningsAsErrors=false"]

# Two server configurations, as in the conformance tests (ReferenceServerFixture): the cases that wait for desk
# deadlines run against short desk timers; everything else against production-like desk timers (so a loaded machine
# does not trip idle or transfer timeouts in unrelated cases) with short keepalive intervals.
TIMER_CASES = ["xfer.timeout", "cs.idle-warning-and-close", "cs.idle-activity-resets"]
COMMON_SETTINGS = {
    "Switchboard__AllowedOrigins__0": "https://allowed.example",
    "Switchboard__History__MaxPerStream": "50",
    "Switchboard__History__PruneInterval": "00:00:00.500",
    "Switchboard__Limits__MaxConnectionsPerUser": "16",
}
PROFILES = {
    "main": {
        "settings": {
            "Switchboard__KeepAlive__PingIntervalMs": "1000",
            "Switchboard__KeepAlive__IdleTimeoutMs": "6000",
            "Switchboard__ServiceDesk__TransferTimeoutMs": "30000",
            "Switchboard__ServiceDesk__ConversationIdleWarningMs": "240000",
            "Switchboard__ServiceDesk__ConversationIdleCloseMs": "300000",
        },
        "args": ["--transfer-timeout-ms", "30000"],
    },
    "timers": {
        "settings": {
            "Switchboard__KeepAlive__PingIntervalMs": "500",
            "Switchboard__KeepAlive__IdleTimeoutMs": "4000",
            "Switchboard__ServiceDesk__TransferTimeoutMs": "1000",
            "Switchboard__ServiceDesk__ConversationIdleWarningMs": "1000",
            "Switchboard__ServiceDesk__ConversationIdleCloseMs": "2000",
        },
        "args": ["--transfer-timeout-ms", "1000", "--conversation-idle-warning-ms", "1000",
                 "--conversation-idle-close-ms", "2000"],
    },
}
RUNNER_ARGS = ["--max-wait-s", "20", "--history-max-per-stream", "50", "--forbidden-origin",
               "https://forbidden.example", "--silence-ms", "250", "--timeout-ms", "15000"]

print_lock = threading.Lock()


def log(msg):
    with print_lock:
        print(msg, flush=True)


def run(cmd, cwd=None, env=None, timeout=None):
    return subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# What the reference server builds from (it references Server.Redis, which references Server).
SOURCE_DIRS = ["src/Protocol", "src/Server", "src/Server.Redis", "src/ReferenceServer"]


def copy_tree(dest):
    """The sources the reference server and the runner build from (no bin/obj)."""
    ignore = shutil.ignore_patterns("bin", "obj", "node_modules", "*.received.json")
    for f in ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json",
              ".editorconfig"]:
        if os.path.exists(os.path.join(ROOT, f)):
            shutil.copy2(os.path.join(ROOT, f), os.path.join(dest, f))
    os.makedirs(os.path.join(dest, "spec"), exist_ok=True)
    for f in ["asyncapi.yaml", "PROTOCOL.md"]:
        shutil.copy2(os.path.join(ROOT, "spec", f), os.path.join(dest, "spec", f))
    for d in SOURCE_DIRS:
        shutil.copytree(os.path.join(ROOT, d), os.path.join(dest, d), ignore=ignore)


def source_digest(root):
    """Hash of the sources a tree is built from (bin/obj excluded), to reuse a built tree only when they match."""
    import hashlib
    h = hashlib.sha256()
    for d in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames[:] = sorted(x for x in dirnames if x not in ("bin", "obj"))
            for f in sorted(filenames):
                path = os.path.join(dirpath, f)
                h.update(os.path.relpath(path, root).encode())
                with open(path, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()


class Tree:
    """One job's private copy of the server sources with a built reference server."""

    def __init__(self, base, index):
        self.dir = os.path.join(base, f"job{index}")
        # A kept tree is reused when its pristine build was made from the sources the repository has now (an
        # interrupted run may have left a mutant applied: the sources are copied again and the pristine dll restored).
        digest_file = os.path.join(self.dir, "pristine.digest")
        self.digest = source_digest(ROOT)
        self.reused = os.path.exists(digest_file) and open(digest_file).read() == self.digest
        if os.path.isdir(self.dir):
            if not self.reused:
                shutil.rmtree(self.dir)
            else:
                for d in SOURCE_DIRS:
                    shutil.copytree(os.path.join(ROOT, d), os.path.join(self.dir, d), dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("bin", "obj", "node_modules"))
        if not self.reused:
            os.makedirs(self.dir)
            copy_tree(self.dir)
        self.server_proj = os.path.join(self.dir, "src/Server/Switchboard.Server.csproj")
        self.server_dll = os.path.join(self.dir, "src/Server/bin/Release/net10.0/Switchboard.Server.dll")
        self.app_dir = os.path.join(self.dir, "src/ReferenceServer/bin/Release/net10.0")
        self.pristine_dll = os.path.join(self.dir, "pristine-Switchboard.Server.dll")

    def build_initial(self):
        if self.reused and os.path.exists(self.pristine_dll):
            shutil.copy2(self.pristine_dll, os.path.join(self.app_dir, "Switchboard.Server.dll"))
            return
        r = run(["dotnet", "build", os.path.join(self.dir, "src/ReferenceServer/Switchboard.ReferenceServer.csproj")]
                + BUILD_PROPS, timeout=1200)
        if r.returncode != 0:
            raise SystemExit(f"building the unmutated reference server failed:\n{r.stdout[-4000:]}")
        shutil.copy2(os.path.join(self.app_dir, "Switchboard.Server.dll"), self.pristine_dll)
        with open(os.path.join(self.dir, "pristine.digest"), "w") as fh:
            fh.write(self.digest)

    def restore(self, files):
        for rel, text in files.items():
            with open(os.path.join(self.dir, rel), "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        shutil.copy2(self.pristine_dll, os.path.join(self.app_dir, "Switchboard.Server.dll"))

    def build_server(self):
        r = run(["dotnet", "build", self.server_proj, "--no-restore", "--no-dependencies"] + BUILD_PROPS, timeout=900)
        if r.returncode != 0:
            errors = [l for l in r.stdout.splitlines() if "error" in l]
            return False, "\n".join(errors[:5]) or r.stdout[-1500:]
        shutil.copy2(self.server_dll, os.path.join(self.app_dir, "Switchboard.Server.dll"))
        return True, ""


def apply_mutant(mutant):
    """Returns ({rel: pristine text}, {rel: mutated text}) or raises ValueError('does not apply ...')."""
    pristine, mutated = {}, {}
    for edit in mutant["edits"]:
        rel = edit["file"]
        if rel not in mutated:
            if not os.path.isfile(os.path.join(ROOT, rel)):
                raise ValueError(f"does not apply: {rel} does not exist (the code moved; re-anchor the mutant)")
            with open(os.path.join(ROOT, rel), encoding="utf-8", newline="") as fh:
                pristine[rel] = fh.read()
            mutated[rel] = pristine[rel]
        count = mutated[rel].count(edit["search"])
        if count != 1:
            what = "not found" if count == 0 else f"found {count} times"
            raise ValueError(f"does not apply: anchor {what} in {rel}: {edit['search'][:80]!r}")
        mutated[rel] = mutated[rel].replace(edit["search"], edit["replace"], 1)
    return pristine, mutated


def start_server(tree, profile, workdir):
    port = free_port()
    data = tempfile.mkdtemp(prefix="data-", dir=workdir)
    env = dict(os.environ)
    env.update(COMMON_SETTINGS)
    env.update(PROFILES[profile]["settings"])
    env.update({"Switchboard__DataDirectory": data, "Switchboard__Auth__SigningKey": KEY,
                "Logging__LogLevel__Default": "Warning", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"})
    logf = open(os.path.join(workdir, f"server-{profile}-{port}.log"), "w")
    proc = subprocess.Popen(["dotnet", os.path.join(tree.app_dir, "Switchboard.ReferenceServer.dll"), "--urls",
                             f"http://127.0.0.1:{port}"], env=env, stdout=logf, stderr=subprocess.STDOUT,
                            cwd=workdir, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            return proc, None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, port
        except Exception:
            time.sleep(0.2)
    return proc, None


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_suite(tree, tool_dll, profile, case_ids, workdir):
    """Runs the given cases on a fresh server of the profile. Returns ({case: verdict}, error or None)."""
    if not case_ids:
        return {}, None
    proc, port = start_server(tree, profile, workdir)
    try:
        if port is None:
            return {}, "server did not start"
        out = tempfile.mkdtemp(prefix=f"report-{profile}-", dir=workdir)
        cmd = ["dotnet", tool_dll, "--url", f"ws://127.0.0.1:{port}", "--signing-key", KEY, "--out", out] \
            + RUNNER_ARGS + PROFILES[profile]["args"]
        for c in case_ids:
            cmd += ["--case", c]
        try:
            r = run(cmd, cwd=workdir, timeout=1800)
        except subprocess.TimeoutExpired:
            return {}, "runner timed out"
        report = os.path.join(out, "report.json")
        if r.returncode == 2 or not os.path.exists(report):
            return {}, f"runner exit {r.returncode}: {r.stdout[-500:]}"
        with open(report, encoding="utf-8") as fh:
            data = json.load(fh)
        return {cid: c["verdict"] for cid, c in data["cases"].items()}, None
    finally:
        stop_server(proc)


def split_profiles(case_ids):
    timers = [c for c in case_ids if c in TIMER_CASES]
    return [("main", [c for c in case_ids if c not in TIMER_CASES]), ("timers", timers)]


def select(all_cases, globs):
    return [c for c in all_cases if any(fnmatch.fnmatchcase(c, g) for g in globs)]


def run_cases(tree, tool_dll, case_ids, workdir):
    verdicts, errors = {}, []
    for profile, ids in split_profiles(case_ids):
        v, err = run_suite(tree, tool_dll, profile, ids, workdir)
        verdicts.update(v)
        if err:
            errors.append(f"{profile}: {err}")
    return verdicts, errors


def evaluate(tree, tool_dll, all_cases, mutant, workdir, area_only=False):
    result = {"id": mutant["id"], "rule": mutant["rule"], "kind": mutant["kind"], "area": mutant["area"],
              "title": mutant["title"], "killed_by": [], "phase": None, "note": mutant.get("survivor_reason")}
    started = time.time()
    try:
        pristine, mutated = apply_mutant(mutant)
    except ValueError as e:
        result.update(status="not-applicable", detail=str(e))
        return result
    try:
        tree.restore(mutated)
        ok, detail = tree.build_server()
        if not ok:
            result.update(status="build-broken", detail=detail)
            return result
        first = select(all_cases, mutant["cases"])
        verdicts, errors = run_cases(tree, tool_dll, first, workdir)
        failed = sorted(c for c, v in verdicts.items() if v == "FAILED")
        phase = "area"
        if not failed and not errors and not area_only:
            rest = [c for c in all_cases if c not in first]
            verdicts, errors = run_cases(tree, tool_dll, rest, workdir)
            failed = sorted(c for c, v in verdicts.items() if v == "FAILED")
            phase = "full"
        if errors and not failed:
            # A server that does not start or a runner that cannot reach it is what any user of the suite sees: the
            # run exits 2. Recorded as killed, with the reason, never silently.
            result.update(status="killed", phase=phase, killed_by=[], detail="; ".join(errors))
        elif failed:
            result.update(status="killed", phase=phase, killed_by=failed)
        else:
            result.update(status="survived", phase=phase if not area_only else "area only")
        return result
    finally:
        tree.restore(pristine)
        result["seconds"] = round(time.time() - started)


def confirm_kills(tree, tool_dll, results, base):
    """Re-runs every killing case against the unmutated server; kills only by cases not OK there do not count."""
    killers = sorted({c for r in results for c in r["killed_by"]})
    if not killers:
        return {}
    log(f"== confirmation: {len(killers)} killing cases against the unmutated server")
    workdir = tempfile.mkdtemp(prefix="confirm-", dir=base)
    confirm, errors = run_cases(tree, tool_dll, killers, workdir)
    for c in killers:
        confirm.setdefault(c, "NOT RUN")
    flaky = {c for c, v in confirm.items() if v != "OK"}
    if errors or flaky:
        log(f"!! cases not OK on the unmutated server: {sorted(flaky)} {errors}")
        for r in results:
            if r["status"] == "killed" and r["killed_by"] and set(r["killed_by"]) <= flaky:
                r.update(status="survived", note="killed only by cases that also fail unmutated: " + ", ".join(r["killed_by"]))
            r["killed_by"] = [c for c in r["killed_by"] if c not in flaky]
    return confirm


def git(*args):
    r = run(["git", "-C", ROOT] + list(args))
    return r.stdout.strip()


def write_results(results, confirm, results_dir, started, args, total=None):
    counted = [r for r in results if r["status"] in ("killed", "survived")]
    killed = [r for r in counted if r["status"] == "killed"]
    score = 100.0 * len(killed) / len(counted) if counted else 0.0
    commit = git("rev-parse", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", "src/Server"))
    summary = {
        "commit": commit, "src_server_dirty": dirty,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "duration_s": round(time.time() - started), "mutants": len(results),
        "killed": len(killed), "survived": len(counted) - len(killed),
        "not_applicable": sum(r["status"] == "not-applicable" for r in results),
        "build_broken": sum(r["status"] == "build-broken" for r in results),
        "score_percent": round(score, 1), "confirmation": confirm, "results": results,
        "partial": total is not None and len(results) < total,
    }
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2)
        fh.write("\n")
    lines = [
        "# Mutation campaign results",
        "",
        f"Measured on commit `{commit}`{' (src/Server had uncommitted changes)' if dirty else ''}, "
        f"{summary['date']}, {summary['duration_s']} s, by `conformance/mutation/run.sh"
        f"{' ' + ' '.join(args) if args else ''}`.",
        "",
        f"**Mutation score: {summary['score_percent']} %** ({len(killed)} killed of {len(counted)} mutants that "
        f"built; {summary['not_applicable']} not applicable, {summary['build_broken']} build-broken; "
        f"{len(results)} mutants in total).",
        "",
    ] + ([f"**Partial: {len(results)} of {total} mutants measured"
          f"{'' if confirm is not None else ' so far; no confirmation run yet'}.**", ""]
         if summary["partial"] else []) + (["**Run with `--area-only`: survivors were run against their area cases only, "
                                             "not the whole suite (the score is a lower bound).**", ""]
                                            if any(r.get("phase") == "area only" for r in results) else []) + [
        "A mutant is *killed* when at least one case is FAILED against it (the cases of its area run first; the whole "
        "suite runs only when they do not kill it: phase `area` / `full`). Every killing case was re-run against the "
        "unmutated server and passed there (confirmation below), so no kill comes from a flaky case.",
        "",
        "| mutant | rule | kind | result | killed by / reason |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if r["status"] == "killed":
            how = ", ".join(f"`{c}`" for c in r["killed_by"]) or r.get("detail", "")
            res = f"killed ({r['phase']})"
        elif r["status"] == "survived":
            how = "SURVIVED: " + (r.get("note") or "no case sees it")
            res = "**survived**"
        else:
            how = r.get("detail", "").replace("|", "\\|").replace("\n", " ")
            res = r["status"]
        lines.append(f"| `{r['id']}` — {r['title']} | {r['rule']} | {r['kind']} | {res} | {how} |")
    lines += ["", "## Confirmation against the unmutated server", ""]
    if confirm is None:
        lines.append("Not run (`--no-confirm`).")
    else:
        bad = {c: v for c, v in confirm.items() if v != "OK"}
        lines.append(f"{len(confirm)} killing cases re-run against the unmutated server: "
                     + ("all OK." if not bad else "NOT OK: " + ", ".join(f"`{c}` {v}" for c, v in bad.items())))
    lines.append("")
    with open(os.path.join(results_dir, "RESULTS.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return summary


def main():
    ap = argparse.ArgumentParser(description="Switchboard conformance mutation campaign")
    ap.add_argument("--only", action="append", default=[], help="mutant ids (comma-separated, repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="parallel jobs (each builds its own tree)")
    ap.add_argument("--no-confirm", action="store_true", help="skip re-running killing cases on the unmutated server")
    ap.add_argument("--results-dir", help="where RESULTS.md and results.json go (default: this folder for a full "
                                           "campaign, a temp folder with --only)")
    ap.add_argument("--require-killed", action="store_true", help="exit 3 unless every selected mutant is killed")
    ap.add_argument("--keep", action="store_true", help="keep the temp trees and logs")
    ap.add_argument("--work", help="work folder for the trees (kept; a later run with the same folder reuses the built "
                                   "trees and runner when the sources did not change)")
    ap.add_argument("--area-only", action="store_true", help="exploration: never run the whole suite on a survivor "
                                                             "of its area cases (such rows say so)")
    ap.add_argument("--merge", nargs="+", metavar="RESULTS_JSON",
                    help="combine the results.json of runs over parts of the catalogue (later files win per mutant), run "
                         "the confirmation with the trees of --work, and write RESULTS.md/results.json")
    ap.add_argument("--check", action="store_true", help="only check that every selected mutant applies (no build)")
    args = ap.parse_args()
    started = time.time()

    with open(os.path.join(HERE, "mutants.json"), encoding="utf-8") as fh:
        catalogue = json.load(fh)["mutants"]
    for m in catalogue:
        if "edits" not in m:
            m["edits"] = [{"file": m["file"], "search": m["search"], "replace": m["replace"]}]
    ids = [i for o in args.only for i in o.split(",") if i]
    unknown = [i for i in ids if i not in {m["id"] for m in catalogue}]
    if unknown:
        print(f"unknown mutant ids: {', '.join(unknown)}", file=sys.stderr)
        return 2
    mutants = [m for m in catalogue if not ids or m["id"] in ids]
    if args.merge:
        return merge(args, catalogue, started)
    if args.check:
        bad = 0
        for m in mutants:
            try:
                apply_mutant(m)
            except ValueError as e:
                bad += 1
                print(f"NOT APPLICABLE {m['id']}: {e}")
        print(f"{len(mutants) - bad} of {len(mutants)} mutants apply")
        return 1 if bad else 0
    results_dir = args.results_dir or (HERE if not ids else tempfile.mkdtemp(prefix="sb-mutation-results-"))

    base = args.work or tempfile.mkdtemp(prefix="sb-mutation-")
    if args.work:
        os.makedirs(base, exist_ok=True)
        args.keep = True
    try:
        log(f"== temp trees in {base}; building the unmutated reference server and the conformance runner")
        tool_dir = os.path.join(base, "tool")
        tool_dll = os.path.join(tool_dir, "conformance/Switchboard.Conformance/bin/Release/net10.0/"
                                          "Switchboard.Conformance.dll")
        if os.path.exists(tool_dll):
            shutil.rmtree(os.path.join(tool_dir, "conformance/Switchboard.Conformance"), ignore_errors=False)
        os.makedirs(tool_dir, exist_ok=True)
        shutil.copytree(os.path.join(ROOT, "conformance/Switchboard.Conformance"),
                        os.path.join(tool_dir, "conformance/Switchboard.Conformance"),
                        ignore=shutil.ignore_patterns("bin", "obj"))
        shutil.copy2(os.path.join(ROOT, "conformance/README.md"), os.path.join(tool_dir, "conformance/README.md"))
        for f in ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json",
                  ".editorconfig"]:
            if os.path.exists(os.path.join(ROOT, f)):
                shutil.copy2(os.path.join(ROOT, f), os.path.join(tool_dir, f))
        shutil.copytree(os.path.join(ROOT, "spec"), os.path.join(tool_dir, "spec"),
                        ignore=shutil.ignore_patterns("vectors", "tools"), dirs_exist_ok=True)
        r = run(["dotnet", "build", os.path.join(tool_dir, "conformance/Switchboard.Conformance")] + BUILD_PROPS,
                timeout=1200)
        if r.returncode != 0:
            raise SystemExit(f"building the conformance runner failed:\n{r.stdout[-4000:]}")
        tool_dll = os.path.join(tool_dir, "conformance/Switchboard.Conformance/bin/Release/net10.0/"
                                          "Switchboard.Conformance.dll")
        listing = run(["dotnet", tool_dll, "--url", "ws://127.0.0.1:1", "--signing-key", KEY, "--list"])
        all_cases = [l.split()[0] for l in listing.stdout.splitlines() if l.strip()]
        log(f"== {len(all_cases)} cases, {len(mutants)} mutants, {args.jobs} job(s)")

        jobs = max(1, min(args.jobs, len(mutants)))
        trees = [Tree(base, i) for i in range(jobs)]
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(lambda t: t.build_initial(), trees))
        free = list(trees)
        free_lock = threading.Lock()

        def work(m):
            with free_lock:
                tree = free.pop()
            try:
                workdir = tempfile.mkdtemp(prefix=f"{m['id']}-", dir=base)
                res = evaluate(tree, tool_dll, all_cases, m, workdir, args.area_only)
            finally:
                with free_lock:
                    free.append(tree)
            how = ", ".join(res["killed_by"][:4]) if res["status"] == "killed" else res.get("detail", "")
            log(f"[{res['status']:>14}] {m['id']:<36} {m['rule']:<12} {res.get('seconds', 0):>4}s {how}")
            with free_lock:
                done.append(res)
                # Written after every mutant, so an interrupted campaign leaves what it measured (marked partial).
                write_results(sorted(done, key=lambda r: order[r["id"]]), None, results_dir, started, sys.argv[1:],
                              total=len(mutants))
            return res

        done = []
        order = {m["id"]: i for i, m in enumerate(mutants)}
        with ThreadPoolExecutor(jobs) as pool:
            results = list(pool.map(work, mutants))

        confirm = None if args.no_confirm else confirm_kills(trees[0], tool_dll, results, base)
        summary = write_results(results, confirm, results_dir, started, sys.argv[1:])
        log(f"== score {summary['score_percent']} % ({summary['killed']} killed, {summary['survived']} survived, "
            f"{summary['not_applicable']} not applicable, {summary['build_broken']} build-broken) -> "
            f"{os.path.join(results_dir, 'RESULTS.md')}")
        for r in results:
            if r["status"] == "not-applicable":
                log(f"!! {r['id']}: {r['detail']}")
        if summary["not_applicable"] or summary["build_broken"]:
            return 1
        if args.require_killed and summary["killed"] != len(results):
            log("!! --require-killed: not every selected mutant was killed")
            return 3
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


def merge(args, catalogue, started):
    by_id = {}
    for path in args.merge:
        with open(path, encoding="utf-8") as fh:
            for r in json.load(fh)["results"]:
                by_id[r["id"]] = r
    results = [by_id[m["id"]] for m in catalogue if m["id"] in by_id]
    reasons = {m["id"]: m.get("survivor_reason") for m in catalogue}
    for r in results:
        if r["status"] == "survived" and reasons.get(r["id"]) and not r.get("note"):
            r["note"] = reasons[r["id"]]
    confirm = None
    if not args.no_confirm:
        if not args.work:
            print("--merge needs --work (built trees) for the confirmation, or --no-confirm", file=sys.stderr)
            return 2
        tool_dll = os.path.join(args.work, "tool/conformance/Switchboard.Conformance/bin/Release/net10.0/"
                                           "Switchboard.Conformance.dll")
        tree = Tree(args.work, 0)
        tree.build_initial()
        confirm = confirm_kills(tree, tool_dll, results, args.work)
    summary = write_results(results, confirm, args.results_dir or HERE, started, sys.argv[1:], total=len(catalogue))
    missing = [m["id"] for m in catalogue if m["id"] not in by_id]
    if missing:
        with open(os.path.join(args.results_dir or HERE, "RESULTS.md"), "a", encoding="utf-8") as fh:
            fh.write("\n## Not measured in these runs\n\n" + ", ".join(f"`{i}`" for i in missing) + "\n")
    log(f"== score {summary['score_percent']} % ({summary['killed']} killed, {summary['survived']} survived) of "
        f"{len(results)}/{len(catalogue)} mutants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
