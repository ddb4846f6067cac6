#!/usr/bin/env python3
"""Reads gpu-preflight's JUnit, Markdown and Prometheus outputs with real
consumers: junitparser (what CI test-report plugins use) plus an XML parser
(lxml) against a JUnit schema (junit.xsd, beside this file), promtool (`check metrics`), and a Markdown table check (every
row has as many cells as its header). Checks the golden files and the
outputs of a live run (--stages host, any machine).

Usage: validate_outputs.py <gpu-preflight> <golden dir>
Exit 77 (skipped) outside CI when junitparser or promtool is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

IN_CI = os.environ.get("CI", "") not in ("", "0", "false")


def need(ok, what):
    if ok:
        return
    if IN_CI:
        sys.exit(f"missing {what} (scripts/install-deps.sh installs it)")
    print(f"SKIP: {what} is not installed")
    sys.exit(77)


try:
    import junitparser
except ImportError:
    junitparser = None
need(junitparser is not None, "python module junitparser")
try:
    from lxml import etree
except ImportError:
    etree = None
need(etree is not None, "python module lxml")
JUNIT_SCHEMA = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(__file__),
                                                        "junit.xsd")))
need(shutil.which("promtool") is not None, "promtool (apt-get install prometheus)")


def check_junit(path, expect=None):
    document = etree.parse(path)
    if not JUNIT_SCHEMA.validate(document):
        raise SystemExit(f"{path}: not valid against junit.xsd: {JUNIT_SCHEMA.error_log}")
    # The totals the consumers show must agree with the cases beneath them.
    for suite in [document.getroot()] + document.getroot().findall("testsuite"):
        cases = suite.iter("testcase")
        outcomes = [child.tag for case in cases for child in case
                    if child.tag in ("failure", "error", "skipped")]
        declared = {k: int(suite.get(k)) for k in ("failures", "errors", "skipped")}
        found = {"failures": outcomes.count("failure"), "errors": outcomes.count("error"),
                 "skipped": outcomes.count("skipped")}
        if declared != found or int(suite.get("tests")) != len(list(suite.iter("testcase"))):
            raise SystemExit(f"{path}: suite {suite.get('name')!r} declares {declared}, "
                             f"tests={suite.get('tests')}, but holds {found}")
    xml = junitparser.JUnitXml.fromfile(path)
    counts = {"tests": 0, "failure": 0, "error": 0, "skipped": 0}
    for suite in xml:
        for case in suite:
            counts["tests"] += 1
            for result in case.result:
                kind = type(result).__name__.lower()
                counts[{"failure": "failure", "error": "error", "skipped": "skipped"}[kind]] += 1
    if expect is not None and counts != expect:
        raise SystemExit(f"{path}: junitparser read {counts}, expected {expect}")
    print(f"ok   junit {os.path.basename(path)}: {counts}")


def check_prometheus(path):
    with open(path) as f:
        proc = subprocess.run(["promtool", "check", "metrics"], stdin=f, capture_output=True,
                              text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{path}: promtool: {proc.stdout}{proc.stderr}")
    print(f"ok   prometheus {os.path.basename(path)}: promtool check metrics")


def cells(line):
    # Split on pipes that are not escaped.
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def check_markdown(path, need_table=True):
    lines = open(path, encoding="utf-8").read().splitlines()
    tables, current = [], []
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if not tables and need_table:
        raise SystemExit(f"{path}: no table")
    for table in tables:
        width = len(cells(table[0]))
        if not re.fullmatch(r"\|(---\|)+", table[1].strip()):
            raise SystemExit(f"{path}: bad separator row {table[1]!r}")
        for row in table[2:]:
            if len(cells(row)) != width:
                raise SystemExit(f"{path}: row has {len(cells(row))} cells, header {width}: {row}")
    print(f"ok   markdown {os.path.basename(path)}: {len(tables)} tables")


def main():
    binary, golden = sys.argv[1], sys.argv[2]
    check_junit(os.path.join(golden, "all_outcomes.junit.xml"),
                {"tests": 8, "failure": 1, "error": 3, "skipped": 1})
    check_prometheus(os.path.join(golden, "all_outcomes.prom"))
    check_markdown(os.path.join(golden, "all_outcomes.md"))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([binary, "--stages", "host,driver", "-q", "--json", f"{tmp}/r.json",
                        "--junit", f"{tmp}/r.xml", "--markdown", f"{tmp}/r.md",
                        "--prometheus", f"{tmp}/r.prom"], capture_output=True, timeout=60)
        check_junit(f"{tmp}/r.xml")
        check_prometheus(f"{tmp}/r.prom")
        check_markdown(f"{tmp}/r.md")
        # Every command takes --junit and --markdown (issue 31): diff of two
        # recorded runs, fleet of three, image of an empty root.
        reports = os.path.join(golden, "..", "fixtures", "reports")
        one, two, three = (os.path.join(reports, f"h200-quick-{i}.json") for i in (1, 2, 3))
        env = os.path.join(reports, "h200-env-1.json")
        os.makedirs(f"{tmp}/root")
        for name, args in (("diff", ["diff", one, env]),
                           ("fleet", ["fleet", one, two, three, "--prometheus",
                                      f"{tmp}/fleet.prom"]),
                           ("image", ["image", f"{tmp}/root"])):
            proc = subprocess.run([binary] + args + ["-q", "--junit", f"{tmp}/{name}.xml",
                                                     "--markdown", f"{tmp}/{name}.md"],
                                  capture_output=True, text=True, timeout=60)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{name}: exit {proc.returncode}: {proc.stderr}")
            check_junit(f"{tmp}/{name}.xml")
            # A healthy fleet's summary has no table to check.
            check_markdown(f"{tmp}/{name}.md", need_table=name != "fleet")
        check_prometheus(f"{tmp}/fleet.prom")
    return 0


if __name__ == "__main__":
    sys.exit(main())
