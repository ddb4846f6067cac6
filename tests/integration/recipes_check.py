#!/usr/bin/env python3
"""The deployment recipes (recipes/, docker/) against the real binary.

A recipe that names a flag the binary no longer has, or reads a file the
command never writes, fails only on a user's cluster; this test catches it:
  * every YAML file parses, and Kubernetes manifests give each GPU container
    a GPU limit and a memory-backed /dev/shm (NCCL's shared-memory transport
    needs more than Docker's 64 MB default);
  * every shell script passes `bash -n`;
  * every gpu-preflight command line in them (YAML command/args lists, shell
    lines, CI scripts) is run through this build, with absolute and $VAR
    paths moved into a temporary directory: it must not be refused as bad
    input (exit 2) and must write every output file it names;
  * the Dockerfiles install what scripts/package.sh makes (the wheel or the
    tarball, which CI builds and tests), name that script, compile nothing
    in the image, and keep NCCL_NVLS_ENABLE=0 in the image.

Usage: recipes_check.py <gpu-preflight> <repository root>
"""
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

OUTPUT_FLAGS = {"--json", "--junit", "--markdown", "--prometheus", "--output-dir"}
SHELL_STOP = {">", ">>", "2>&1", "&&", "||", ";", "|", "&"}

failures = []


def fail(where, what):
    failures.append(f"{where}: {what}")


def shell_commands(text):
    """gpu-preflight argument lists from shell text (continuations joined)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = []
    for line in joined.splitlines():
        if "gpu-preflight" not in line or line.lstrip().startswith("#"):
            continue
        # if/then wrappers: start from the binary's own token.
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:
            continue
        for i, token in enumerate(tokens):
            if "=" not in token and re.search(r"(^|/)gpu-preflight$", token):
                args = []
                for arg in tokens[i + 1:]:
                    if arg in SHELL_STOP or arg.startswith(">"):
                        break
                    args.append(arg)
                commands.append(args)
                break
    return commands


def yaml_commands(node):
    """gpu-preflight argument lists from Kubernetes containers and CI scripts."""
    found = []
    if isinstance(node, dict):
        command = node.get("command")
        at = next((i for i, a in enumerate(command) if re.search(r"(^|/)gpu-preflight$", str(a))),
                  None) if isinstance(command, list) else None
        if at is not None:
            # gpu-preflight itself, or under a launcher (torchrun ... gpu-preflight).
            found.append([str(a) for a in command[at + 1:]] +
                         [str(a) for a in node.get("args", [])])
        elif "image" in node and "gpu-preflight" in str(node.get("name", "")) \
                and "command" not in node:
            # The image's ENTRYPOINT is gpu-preflight; args are its flags.
            found.append([str(a) for a in node.get("args", [])])
        for key, value in node.items():
            if key in ("run", "script"):
                texts = value if isinstance(value, list) else [value]
                for text in texts:
                    found.extend(shell_commands(str(text)))
            else:
                found.extend(yaml_commands(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(yaml_commands(item))
    return found


def relocate(args, scratch):
    """Output paths (absolute or from the environment) moved into scratch."""
    out, outputs = [], []
    expect_output = False
    for arg in args:
        if expect_output or arg.startswith("/") or "$" in arg:
            name = re.sub(r"[^A-Za-z0-9_.%-]", "_", arg.lstrip("/"))
            name = name.replace("%r", "0")   # no MPI launcher here: rank-less
            arg = str(scratch / name)
            if expect_output:
                outputs.append(pathlib.Path(arg))
        expect_output = arg in OUTPUT_FLAGS
        out.append(arg)
    return out, outputs


def run_command(binary, where, args, scratch):
    args, outputs = relocate(args, scratch)
    if "--json" not in args:
        outputs.append(scratch / "gpu-preflight-report.json")  # the default
    env = dict(os.environ, NCCL_NVLS_ENABLE="0", NO_COLOR="1")
    try:
        proc = subprocess.run([binary] + args, cwd=scratch, env=env, capture_output=True,
                              text=True, timeout=300)
    except subprocess.TimeoutExpired:
        fail(where, f"gpu-preflight {' '.join(args)} did not finish in 300 s")
        return
    if proc.returncode not in (0, 1):
        fail(where, f"gpu-preflight {' '.join(args)} exited {proc.returncode}:\n"
                    f"{proc.stderr.strip()[-800:]}")
        return
    for path in outputs:
        if not path.exists():
            fail(where, f"gpu-preflight {' '.join(args)} did not write {path.name}")
    print(f"ok   {where}: gpu-preflight {' '.join(args)} -> exit {proc.returncode}")


def check_kubernetes(where, document):
    spec = document.get("spec", {})
    if "replicatedJobs" in spec:  # a JobSet: each replicated job's pods
        for job in spec["replicatedJobs"]:
            check_kubernetes(where, {"spec": job.get("template", {}).get("spec", {})})
        return
    pod = spec.get("template", {}).get("spec", spec)
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        limits = container.get("resources", {}).get("limits", {})
        if "nvidia.com/gpu" not in limits:
            fail(where, f"container {container['name']} asks for no nvidia.com/gpu")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        shm = volumes.get(mounts.get("/dev/shm", ""), {})
        if shm.get("emptyDir", {}).get("medium") != "Memory":
            fail(where, f"container {container['name']} has no memory-backed /dev/shm")


def main():
    binary, root = os.path.abspath(sys.argv[1]), pathlib.Path(sys.argv[2])
    commands = []   # (where, args)
    for path in sorted((root / "recipes").rglob("*")):
        if not path.is_file():
            continue
        where = str(path.relative_to(root))
        text = path.read_text()
        if path.suffix in (".yml", ".yaml"):
            try:
                documents = [d for d in yaml.safe_load_all(text) if d]
            except yaml.YAMLError as error:
                fail(where, f"does not parse as YAML: {error}")
                continue
            for document in documents:
                if "apiVersion" in document:
                    check_kubernetes(where, document)
                commands.extend((where, args) for args in yaml_commands(document))
        elif path.suffix in (".sh", ".sbatch"):
            syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
            if syntax.returncode != 0:
                fail(where, f"bash -n: {syntax.stderr.strip()}")
            if not os.access(path, os.X_OK):
                fail(where, "is not executable")
            commands.extend((where, args) for args in shell_commands(text))
    for path in sorted((root / "docker").glob("Dockerfile*")):
        where = str(path.relative_to(root))
        text = path.read_text()
        for script in sorted(set(re.findall(r"scripts/[\w.-]+\.sh", text))):
            if not os.access(root / script, os.X_OK):
                fail(where, f"runs {script}, which is missing or not executable")
        # What CI proves is what the image installs: scripts/package.sh's
        # wheel or tarball, and no compiler or build in the user's image.
        if "scripts/package.sh" not in text:
            fail(where, "does not say it installs what scripts/package.sh makes")
        if not re.search(r"dist/(gpu_preflight-\*\.whl|gpu-preflight-\*-linux-x86_64-glibc\*\.tar\.gz)", text):
            fail(where, "installs neither the wheel nor the tarball from dist/")
        for builder in ("scripts/build.sh", "cmake ", "install-deps.sh", "apt-get install"):
            if builder in text:
                fail(where, f"builds in the image ({builder!r}): install the wheel or the tarball")
        if not re.search(r"^ENV NCCL_NVLS_ENABLE=0$", text, re.M):
            fail(where, "does not set NCCL_NVLS_ENABLE=0")
        if "ENTRYPOINT" in text:
            commands.append((where, []))   # docker run <image>: the default run
    if not commands:
        fail("recipes", "no gpu-preflight command lines found")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (where, args) in enumerate(commands):
            scratch = pathlib.Path(tmp) / str(n)
            scratch.mkdir()
            run_command(binary, where, args, scratch)
    for line in failures:
        print("FAIL", line)
    print(f"{len(commands)} command lines, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
