"""When Qt's X11 plugin cannot load, the editor names the missing libraries and the packages that
hold them instead of letting Qt abort with a misleading message; the set-up script installs the
same packages where it can and never fails where it cannot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from filmstudio.ui.system_libraries import (
    PACKAGES,
    SystemLibrariesError,
    check_platform_plugin,
    install_advice,
    missing_libraries,
    not_found,
    plugin_path,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "system-packages.sh"
# what ldd said about PySide6's libqxcb.so on a bare Debian 12 (the issue's machine)
BARE_DEBIAN = """\
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007fe5563fb000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007fe5563f3000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
"""


def test_the_libraries_ldd_cannot_find_are_named_once_with_their_packages():
    missing = not_found(BARE_DEBIAN)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    advice = install_advice(missing)
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in advice
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in advice
    assert "libfoo.so.3" in install_advice(["libfoo.so.3"])  # unknown: named, not guessed


@pytest.fixture
def broken_library(tmp_path):
    """A real shared library whose dependency is gone (built, linked, then deleted)."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler to build a library with a missing dependency")
    (tmp_path / "ghost.c").write_text("int ghost(void) { return 1; }\n")
    (tmp_path / "needs.c").write_text("int ghost(void);\nint needs(void) { return ghost(); }\n")
    build = [
        ["cc", "-shared", "-fPIC", "-Wl,-soname,libghost.so.7", "-o", "libghost.so", "ghost.c"],
        ["cc", "-shared", "-fPIC", "-o", "libneeds.so", "needs.c", "-L.", "-lghost"],
    ]
    for command in build:
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "libghost.so").unlink()
    return tmp_path / "libneeds.so"


def test_ldd_is_asked_for_real(broken_library):
    assert missing_libraries(broken_library) == ["libghost.so.7"]
    assert missing_libraries(broken_library, ldd="no-such-ldd") == []  # cannot tell: say nothing


def test_the_check_raises_our_error_only_where_xcb_would_load(broken_library):
    with pytest.raises(SystemLibrariesError) as raised:
        check_platform_plugin({"DISPLAY": ":0"}, plugin=broken_library)
    message = str(raised.value)
    assert "libghost.so.7" in message and "Traceback" not in message
    assert "filmstudio render PROJECT" in message
    for environ in (
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "wayland"},
        {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
    ):
        check_platform_plugin(environ, plugin=broken_library)  # Qt will not load xcb: nothing to say
    with pytest.raises(SystemLibrariesError):
        check_platform_plugin({"QT_QPA_PLATFORM": "xcb"}, plugin=broken_library)


def test_the_set_up_script_lists_what_the_installed_plugin_needs():
    plugin = plugin_path()
    if plugin is None or shutil.which("ldd") is None:
        pytest.skip("no xcb plugin or no ldd here")
    output = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    needed = set(re.findall(r"^\s*(\S+) =>", output, re.M))
    debian = set(_script_list("DEBIAN"))
    fedora = set(_script_list("FEDORA"))
    for name in needed & set(PACKAGES):
        assert PACKAGES[name][0] in debian, name
        assert PACKAGES[name][1] in fedora, name
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0"} <= debian


def _script_list(name: str) -> list[str]:
    text = SCRIPT.read_text()
    return re.search(rf'^{name}="([^"]*)"', text, re.M).group(1).split()


def _fake_bin(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_without_root_or_a_package_manager_the_script_says_what_to_install_and_succeeds(tmp_path):
    _fake_bin(tmp_path, "id", "echo 1000")
    result = subprocess.run(
        ["/bin/sh", str(SCRIPT)], capture_output=True, text=True, env={"PATH": str(tmp_path)}, check=False
    )
    assert result.returncode == 0
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in result.stderr
    assert "sudo dnf install" in result.stderr


def test_as_root_with_apt_get_the_script_installs_the_whole_list(tmp_path):
    log = tmp_path / "apt.log"
    _fake_bin(tmp_path, "id", "echo 0")
    _fake_bin(tmp_path, "apt-get", f'echo "$@" >> {log}')
    env = {"PATH": f"{tmp_path}{os.pathsep}/usr/bin:/bin"}
    result = subprocess.run(["/bin/sh", str(SCRIPT)], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0 and result.stderr == ""
    (call,) = log.read_text().splitlines()
    assert call.split()[:4] == ["install", "-y", "-qq", "--no-install-recommends"]
    assert call.split()[4:] == _script_list("DEBIAN")


def test_the_readme_set_up_commands_run_the_script_first():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert commands and all(c.startswith("sh packaging/system-packages.sh && ") for c in commands)
