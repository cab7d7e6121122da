"""`sam build` for the deploy tests, without Docker, and the layout Lambda gives the built artefacts.

`sam build` needs the function's runtime on PATH (`python3.13`): pyenv's shim fails when 3.13 is not the
global version, so the real interpreter's folder goes first on PATH (as `make build` does).

The template's functions and layer are arm64, so the layer's native wheels (pydantic_core,
charset_normalizer) are aarch64 builds that an x86_64 machine cannot load. To run the built artefacts on
the machine at hand, `build_for_host` builds a copy of the template whose architectures are the host's
(code paths made absolute, everything else unchanged); `build` builds the template as it deploys.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from aha_jira_dev.local_stack.template import load_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
BUILD_TIMEOUT_SECONDS = 900
LAMBDA_ARCHITECTURE = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
# The wheels' platform for the layer's dependencies (layers/common/Makefile's LAYER_PLATFORM).
WHEEL_PLATFORM = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}


def python313() -> Path | None:
    """The real python3.13 interpreter (not pyenv's shim): the one this test process runs on, if 3.13."""
    candidates = [Path(sys._base_executable)]  # the interpreter under the virtualenv
    candidates += sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13"))
    candidates += [Path("/usr/local/bin/python3.13"), Path("/usr/bin/python3.13")]
    for candidate in candidates:
        if candidate.is_file() and candidate.name.startswith("python3") and _is_313(candidate):
            return candidate
    return None


def _is_313(interpreter: Path) -> bool:
    version = subprocess.run(
        [str(interpreter), "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return version.stdout.strip() == "True"


def host_architecture() -> str:
    machine = platform.machine().lower()
    if machine not in LAMBDA_ARCHITECTURE:
        raise RuntimeError(f"no Lambda architecture for this machine ({machine})")
    return LAMBDA_ARCHITECTURE[machine]


def template_for_architecture(architecture: str, destination: Path) -> Path:
    """A copy of template.yaml for `architecture`, its CodeUri/ContentUri made absolute."""
    document: dict[str, Any] = load_yaml(TEMPLATE.read_text(encoding="utf-8"))
    function_globals = document.get("Globals", {}).get("Function", {})
    if "Architectures" in function_globals:
        function_globals["Architectures"] = [architecture]
    for resource in document["Resources"].values():
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = str((REPO_ROOT / properties["CodeUri"]).resolve())
            if "Architectures" in properties:
                properties["Architectures"] = [architecture]
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = str((REPO_ROOT / properties["ContentUri"]).resolve())
            properties["CompatibleArchitectures"] = [architecture]
            resource.setdefault("Metadata", {})["BuildArchitecture"] = architecture
    destination.mkdir(parents=True, exist_ok=True)
    path = destination / "template.yaml"
    path.write_text(_dump(document), encoding="utf-8")
    return path


def _dump(document: dict[str, Any]) -> str:
    """YAML with intrinsics in their long form (`{"Ref": ...}`, `{"Fn::Sub": ...}`), which SAM reads."""
    return yaml.safe_dump(document, sort_keys=False, width=1000)


def sam_environment(architecture: str = "arm64") -> dict[str, str]:
    interpreter = python313()
    if interpreter is None:
        raise RuntimeError("python3.13 not found (looked beside this interpreter, in ~/.pyenv and /usr)")
    return {
        **os.environ,
        "PATH": f"{interpreter.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
        "LAYER_PLATFORM": WHEEL_PLATFORM[architecture],
    }


def build(template: Path, build_dir: Path, cache_dir: Path, *, architecture: str = "arm64") -> Path:
    """`sam build` (no container) of `template` into `build_dir`; returns the built template's path."""
    if build_dir.exists():
        shutil.rmtree(build_dir)
    completed = subprocess.run(
        [
            str(SAM),
            "build",
            "--template-file",
            str(template),
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(cache_dir),
            "--cached",
            "--region",
            "us-east-1",
        ],
        cwd=template.parent,
        env=sam_environment(architecture),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"sam build failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        )
    return build_dir / "template.yaml"
