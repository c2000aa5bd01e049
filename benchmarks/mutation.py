"""Mutation score of the default test suite over curated, realistic mistakes in the SK conv, the
gates, the blocks, the fusion and the cost model (``benchmarks/mutants.yaml``).

Each mutant replaces one exact snippet of one file. It is applied to a private copy of the
repository (the working tree is never edited), and the default (non-slow) suite is run there in
two steps: first the files that kill fastest (the reference oracle, then the SK and block
properties), and only if they all pass, the rest of the suite; ``-x`` stops at the first
failure. A mutant is killed when the suite fails; the CPU and wall time until then is its time
to kill. Before any mutant, the unmutated first step must pass, and every snippet must occur
exactly once in the current code (a snippet that drifted away is an error, not a survivor).

Run from the repository root (under CI settings by default, so every run draws the same
examples):
    python benchmarks/mutation.py [--format table|json|markdown] [--only NAME ...] [--jobs N]
    python benchmarks/mutation.py --save      # keep the results in benchmarks/results/
    python benchmarks/mutation.py --doc       # write them into docs/property-testing.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from skbuilder.provenance import CHANGED, commit

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = Path(__file__).resolve().parent / "mutants.yaml"

#: The files that kill fastest, run first and in this order (tests/conftest.py's FIRST).
FIRST = (
    "tests/properties/test_prop_reference.py",
    "tests/test_build_contracts.py",
    "tests/test_timm_fixture.py",
    "tests/properties/test_prop_sk_conv.py",
    "tests/properties/test_prop_blocks.py",
    "tests/test_interop_contracts.py",
)
#: CPU seconds within which every kill should come, and most kills (a fast kill).
TARGET_CPU_S = 60.0
FAST_CPU_S = 30.0
#: Where the measured results are kept, and the part of the page generated from them.
RESULTS = Path(__file__).resolve().parent / "results" / "mutation.json"
DOC = ROOT / "docs" / "property-testing.md"
BEGIN, END = "<!-- mutation results: begin -->", "<!-- mutation results: end -->"


@dataclass(frozen=True)
class Mutant:
    """One mistake: in ``file``, the exact text ``old`` becomes ``new``."""

    name: str
    file: str
    old: str
    new: str
    why: str


@dataclass
class Outcome:
    name: str
    file: str
    killed: bool
    cpu_s: float
    wall_s: float
    killed_by: str | None
    why: str


def load_mutants(path: Path = MUTANTS) -> list[Mutant]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutants = [Mutant(**item) for item in data["mutants"]]
    names = [m.name for m in mutants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"mutant names must be unique: {duplicates}")
    return mutants


def snippet_problems(mutants: list[Mutant], root: Path = ROOT) -> list[str]:
    """Each mutant's snippet must occur exactly once in its file, and change it."""
    problems = []
    for m in mutants:
        path = root / m.file
        if not path.is_file():
            problems.append(f"{m.name}: no file {m.file}")
            continue
        count = path.read_text(encoding="utf-8").count(m.old)
        if count != 1:
            problems.append(f"{m.name}: snippet occurs {count} times in {m.file}, not once")
        if m.old == m.new:
            problems.append(f"{m.name}: the new text equals the old")
    return problems


def repository_files(root: Path = ROOT) -> list[str]:
    """Tracked files and untracked ones git does not ignore: the tree the suite runs on."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [f for f in listed.split("\0") if f and os.path.lexists(root / f)]


def copy_repository(dest: Path, root: Path = ROOT) -> None:
    for name in repository_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target, follow_symlinks=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Tests of the mutant list and its saved results, not of the code: never run on a mutant.
NOT_KILLERS = ("tests/test_mutants.py",)


def suite_steps(without: tuple[str, ...] = ()) -> list[list[str]]:
    """pytest arguments of each step: the first files, then the rest of the default suite;
    the test files ``without`` are left out of both (to measure what they add)."""
    common = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow"]
    first = [f for f in FIRST if f not in without]
    rest = [arg for f in (*FIRST, *without, *NOT_KILLERS) for arg in ("--ignore", f)]
    return [[*common, *first], [*common, *rest, "tests"]] if first else [[*common, *rest, "tests"]]


def run_pytest(
    copy: Path, args: list[str], env: dict[str, str], limit_cpu_s: float | None = None
) -> tuple[int | None, str, float, float]:
    """Exit code (None when stopped after ``limit_cpu_s`` CPU seconds), output, CPU seconds
    (user + system of pytest and what it waited for) and wall seconds. The CPU time is the
    child's own (``wait4``), so runs side by side do not mix."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", *args],
            cwd=copy,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stopped = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if not stopped and limit_cpu_s is not None and cpu_so_far(proc.pid) > limit_cpu_s:
                os.killpg(proc.pid, signal.SIGKILL)
                stopped = True
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    code = None if stopped else proc.returncode
    return code, output, usage.ru_utime + usage.ru_stime, wall


def cpu_so_far(pid: int) -> float:
    """CPU seconds a running process has used (Linux ``/proc``; 0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command name: utime, stime, cutime, cstime are fields 12 to 15
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def first_failure(output: str) -> str | None:
    """The first failing test (or collection error) in pytest's short summary."""
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0].split(" ", 1)[1]
    return None


def environment(copy: Path, profile: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CI": "true", "HYPOTHESIS_PROFILE": profile, "PYTHONPATH": str(copy)})
    env.pop("PYTEST_ADDOPTS", None)
    return env


def check_imports_copy(copy: Path, env: dict[str, str]) -> None:
    """The copy's package is the one imported there (not the installed working tree's)."""
    found = subprocess.run(
        [sys.executable, "-c", "import skbuilder; print(skbuilder.__file__)"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        raise RuntimeError(f"the copy imports skbuilder from {found}, not from {copy}")


def run_mutant(
    m: Mutant,
    copy: Path,
    env: dict[str, str],
    *,
    without: tuple[str, ...] = (),
    limit_cpu_s: float | None = None,
) -> Outcome:
    """Apply ``m`` to the copy, run the steps until one fails (or ``limit_cpu_s`` CPU seconds
    have been spent: not killed), restore and verify the file."""
    path = copy / m.file
    original = path.read_bytes()
    expected = digest(path)
    text = original.decode("utf-8")
    if text.count(m.old) != 1:
        raise RuntimeError(f"{m.name}: snippet not found exactly once in {m.file}")
    cpu = wall = 0.0
    killed_by = None
    try:
        path.write_text(text.replace(m.old, m.new), encoding="utf-8")
        for args in suite_steps(without):
            left = None if limit_cpu_s is None else max(limit_cpu_s - cpu, 0.0)
            code, output, step_cpu, step_wall = run_pytest(copy, args, env, left)
            cpu, wall = cpu + step_cpu, wall + step_wall
            if code is None:
                break
            if code == 5:
                raise RuntimeError(f"{m.name}: pytest collected no tests\n{output[-2000:]}")
            if code != 0:
                killed_by = first_failure(output) or f"pytest exit code {code}"
                break
    finally:
        path.write_bytes(original)
    if digest(path) != expected:
        raise RuntimeError(f"{m.file} was not restored after {m.name}")
    return Outcome(m.name, m.file, killed_by is not None, cpu, wall, killed_by, m.why)


def run_all(
    mutants: list[Mutant],
    *,
    profile: str,
    jobs: int,
    progress: bool,
    without: tuple[str, ...] = (),
    limit_cpu_s: float | None = None,
) -> tuple[list[Outcome], dict[str, float]]:
    problems = snippet_problems(mutants)
    if problems:
        raise SystemExit("mutants that do not apply:\n  " + "\n  ".join(problems))
    with tempfile.TemporaryDirectory(prefix="skbuilder-mutation-") as tmp:
        copies = []
        for i in range(jobs):
            copy = Path(tmp) / f"repo{i}"
            copy_repository(copy)
            copies.append(copy)
        env0 = environment(copies[0], profile)
        check_imports_copy(copies[0], env0)
        code, output, cpu, wall = run_pytest(copies[0], suite_steps(without)[0], env0)
        if code != 0:
            raise SystemExit(f"the unmutated first step fails:\n{output[-4000:]}")
        baseline = {"cpu_s": cpu, "wall_s": wall}

        def work(i: int) -> list[Outcome]:
            copy = copies[i]
            env = environment(copy, profile)
            out = []
            for m in mutants[i::jobs]:
                outcome = run_mutant(m, copy, env, without=without, limit_cpu_s=limit_cpu_s)
                if progress:
                    state = "killed" if outcome.killed else "SURVIVED"
                    print(f"{m.name}: {state} ({outcome.cpu_s:.1f} s CPU)", file=sys.stderr)
                out.append(outcome)
            return out

        with ThreadPoolExecutor(jobs) as pool:
            results = [o for part in pool.map(work, range(jobs)) for o in part]
        results = [unconfirmed(o, copies[0], env0) for o in results]
    order = {m.name: i for i, m in enumerate(mutants)}
    return sorted(results, key=lambda o: order[o.name]), baseline


def unconfirmed(o: Outcome, copy: Path, env: dict[str, str]) -> Outcome:
    """A kill after the first step counts only if its test passes without the mutant (the first
    step is checked unmutated before any mutant; a test of the rest that fails on its own would
    otherwise "kill" every mutant that gets that far)."""
    if not o.killed or o.killed_by is None or o.killed_by.split("::")[0] in FIRST:
        return o
    code, _, _, _ = run_pytest(copy, ["-q", "-p", "no:cacheprovider", o.killed_by], env)
    if code == 0:
        return o
    why = f"{o.why} (stopped by {o.killed_by}, which fails without the mutant too)"
    return Outcome(o.name, o.file, False, o.cpu_s, o.wall_s, None, why)


def summary(results: list[Outcome], baseline: dict[str, float], profile: str) -> dict[str, Any]:
    killed = [o for o in results if o.killed]
    in_time = [o for o in killed if o.cpu_s <= TARGET_CPU_S]
    fast = [o for o in killed if o.cpu_s <= FAST_CPU_S]
    cpu = sorted(o.cpu_s for o in killed)
    return {
        "profile": profile,
        "mutants": len(results),
        "killed": len(killed),
        "killed_within_target": len(in_time),
        "killed_fast": len(fast),
        "kill_rate": len(killed) / len(results) if results else 0.0,
        "kill_rate_within_target": len(in_time) / len(results) if results else 0.0,
        "fast_share_of_kills": len(fast) / len(killed) if killed else 0.0,
        "target_cpu_s": TARGET_CPU_S,
        "fast_cpu_s": FAST_CPU_S,
        "median_cpu_s_to_kill": statistics.median(cpu) if cpu else None,
        "max_cpu_s_to_kill": cpu[-1] if cpu else None,
        "first_step_unmutated": baseline,
        "survivors": [o.name for o in results if not o.killed],
    }


def headline(info: dict[str, Any]) -> str:
    return (
        f"Killed {info['killed']} of {info['mutants']} ({100 * info['kill_rate']:.1f} %); "
        f"{info['killed_fast']} of the kills ({100 * info['fast_share_of_kills']:.0f} %) within "
        f"{info['fast_cpu_s']:.0f} s of CPU, {info['killed_within_target']} within "
        f"{info['target_cpu_s']:.0f} s; median CPU time to kill "
        f"{info['median_cpu_s_to_kill'] or 0:.1f} s, "
        f"longest {info['max_cpu_s_to_kill'] or 0:.1f} s."
    )


def table(results: list[Outcome], info: dict[str, Any]) -> str:
    width = max(len(o.name) for o in results)
    lines = [f"{'mutant':<{width}}  result    CPU s   wall s  killed by"]
    for o in results:
        state = "killed" if o.killed else "SURVIVED"
        by = (o.killed_by or "").replace("tests/properties/", "")
        lines.append(f"{o.name:<{width}}  {state:<8} {o.cpu_s:6.1f}  {o.wall_s:7.1f}  {by}")
    lines.append("")
    lines.append(headline(info))
    for o in results:
        if not o.killed:
            lines.append(f"survived: {o.name} ({o.file}): {o.why}")
    return "\n".join(lines)


def markdown(results: list[Outcome], info: dict[str, Any]) -> str:
    """The results as the Markdown table docs/property-testing.md shows."""
    lines = ["| mutant | mistake | killed by | CPU s | wall s |", "|---|---|---|---:|---:|"]
    for o in results:
        by = (o.killed_by or "**survived**").split("::")[-1]
        lines.append(f"| `{o.name}` | {o.why} | {by} | {o.cpu_s:.1f} | {o.wall_s:.1f} |")
    lines.append("")
    lines.append(headline(info))
    return "\n".join(lines)


def measured_tree() -> dict[str, Any]:
    """The commit the copies are made from, and whether tracked files differed from it."""
    made = commit(ROOT)
    return {"commit": made.removesuffix(CHANGED), "uncommitted_changes": made.endswith(CHANGED)}


def record(
    results: list[Outcome], info: dict[str, Any], tree: dict[str, Any], argv: list[str]
) -> dict[str, Any]:
    """What a results file holds: the outcomes, their summary, and what they were measured on
    (the commit, the mutant list's hash, the command line)."""
    return {
        **tree,
        "mutants_sha256": digest(MUTANTS),
        "argv": argv,
        "summary": info,
        "results": [asdict(o) for o in results],
    }


def remeasured(
    saved: dict[str, Any], results: list[Outcome], tree: dict[str, Any]
) -> dict[str, Any]:
    """The saved run with ``results`` (a few mutants measured again, e.g. after their snippet
    moved) in place of their old outcomes; the commit they were measured at is kept apart."""
    new = {o.name: asdict(o) for o in results}
    outcomes = [Outcome(**new.get(o["name"], o)) for o in saved["results"]]
    info = summary(outcomes, saved["summary"]["first_step_unmutated"], saved["summary"]["profile"])
    info["without"], info["limit_cpu_s"] = (
        saved["summary"]["without"],
        saved["summary"]["limit_cpu_s"],
    )
    again = dict(saved.get("remeasured", {}))
    again.update({name: tree["commit"] for name in new})
    return {
        **saved,
        "mutants_sha256": digest(MUTANTS),
        "summary": info,
        "results": [asdict(o) for o in outcomes],
        "remeasured": again,
    }


def doc_section(saved: dict[str, Any]) -> str:
    """The generated part of the page, from a results file."""
    results = [Outcome(**o) for o in saved["results"]]
    where = f"commit {saved['commit'][:12]}" + (
        " with uncommitted changes" if saved["uncommitted_changes"] else ""
    )
    again = saved.get("remeasured", {})
    later = "".join(
        f"; `{name}` measured again at commit {commit[:12]} (its snippet moved)"
        for name, commit in again.items()
    )
    intro = (
        f"Measured at {where} with `python benchmarks/mutation.py "
        f"{' '.join(saved['argv'])}`{later} (results: `benchmarks/results/mutation.json`):"
    )
    return f"{BEGIN}\n{intro}\n\n{markdown(results, saved['summary'])}\n{END}"


def with_section(page: str, section: str) -> str:
    """``page`` with its generated part replaced by ``section``."""
    start, end = page.index(BEGIN), page.index(END) + len(END)
    return page[:start] + section + page[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--profile", default="thorough", help="Hypothesis profile (CI's)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run side by side")
    parser.add_argument("--check", action="store_true", help="only check that mutants apply")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--without", nargs="+", default=[], metavar="FILE", help="test files to leave out"
    )
    parser.add_argument(
        "--limit-cpu-s", type=float, help="CPU seconds after which a mutant counts as not killed"
    )
    parser.add_argument(
        "--save", action="store_true", help=f"keep the results in {RESULTS.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--doc",
        action="store_true",
        help=f"only write the saved results into {DOC.relative_to(ROOT)}",
    )
    args = parser.parse_args(argv)
    if args.doc:
        saved = json.loads(RESULTS.read_text(encoding="utf-8"))
        DOC.write_text(with_section(DOC.read_text(encoding="utf-8"), doc_section(saved)))
        print(f"wrote {DOC.relative_to(ROOT)}")
        return 0
    mutants = load_mutants()
    if args.only:
        unknown = set(args.only) - {m.name for m in mutants}
        if unknown:
            parser.error(f"unknown mutants: {sorted(unknown)}")
        mutants = [m for m in mutants if m.name in args.only]
    if args.check:
        problems = snippet_problems(mutants)
        print("\n".join(problems) or f"all {len(mutants)} mutants apply")
        return 1 if problems else 0
    tree = measured_tree()  # before the copies are made: the tree may change while they run
    results, baseline = run_all(
        mutants,
        profile=args.profile,
        jobs=max(1, args.jobs),
        progress=not args.quiet,
        without=tuple(args.without),
        limit_cpu_s=args.limit_cpu_s,
    )
    info = summary(results, baseline, args.profile)
    info["without"], info["limit_cpu_s"] = args.without, args.limit_cpu_s
    if args.save:
        if args.without:
            parser.error("--save keeps runs on the whole suite")
        RESULTS.parent.mkdir(exist_ok=True)
        argv_used = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--save"]
        if args.only:  # remeasured mutants replace theirs in the saved run of every mutant
            saved = remeasured(json.loads(RESULTS.read_text(encoding="utf-8")), results, tree)
        else:
            saved = record(results, info, tree, argv_used)
        RESULTS.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    if args.format == "json":
        print(json.dumps({**info, "results": [asdict(o) for o in results]}, indent=2))
    elif args.format == "markdown":
        print(markdown(results, info))
    else:
        print(table(results, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
