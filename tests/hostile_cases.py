"""The hostile-input corpus of the command line: every case is a command, the files it finds,
and what it must answer (status, the place of the problem, words of the message).

Places are computed from the input (``at(text, "010")`` is the line and column where ``010`` is
written), never copied from the program's output. ``tests/test_hostile.py`` runs every case and
also checks what is common to all: no traceback, bounded and escaped output, bounded CPU time
and memory, and no file created, changed or destroyed.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

#: A valid spec small enough to build and run in milliseconds (the attention command's TINY).
VALID = """name: tiny
input: {image_size: 32}
stem: {width: 8}
sk: {G: 2, r: 2, L: 4}
stages:
  - {name: a, depth: 1, mid_width: 8, out_width: 16, stride: 1}
head: {num_classes: 3}
"""
#: VALID with plain blocks' settings: no ``sk:`` (no block would read it).
PLAIN = VALID.replace("sk: {G: 2, r: 2, L: 4}\n", "groups: 2\n")
MINIMAL = "name: tiny\nstages:\n  - {depth: 1, out_width: 16, stride: 1}\n"
SPEC = "s.yaml"


@dataclass(frozen=True)
class Case:
    """One hostile command. ``where`` must start a line of stderr (``s.yaml:3:13: spec.x``, or
    ``skbuilder:`` for a one-line error); ``problems`` is the count on the last line."""

    name: str
    category: str
    argv: tuple[str, ...]
    status: int
    where: str | None
    words: tuple[str, ...]
    files: tuple[tuple[str, str | bytes], ...] = ()
    setup: Callable[[Path], None] | None = None
    patch: Callable[[pytest.MonkeyPatch], None] | None = None
    problems: int | None = None
    #: Folders of the case's own folder put first on ``sys.path`` (installed packages).
    path_entries: tuple[str, ...] = ()
    #: What standard output is: ``ok``, ``full`` (flushing fails with ENOSPC), ``eio`` (every
    #: write fails), ``closed`` (``None``, as with ``>&-``).
    stdout: str = "ok"
    #: Words that must not appear on standard output (a plugin's prints).
    not_out: tuple[str, ...] = ()


def at(text: str, needle: str, nth: int = 0) -> str:
    """``LINE:COL`` (1-based) of the ``nth`` occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def spec_case(
    name: str,
    category: str,
    text: str | bytes,
    where: str,
    *words: str,
    problems: int = 1,
    extra: tuple[str, ...] = (),
    command: str = "validate",
) -> Case:
    """A spec file ``s.yaml`` with problems at ``where`` (``LINE:COL: spec.path``)."""
    return Case(
        name,
        category,
        (command, SPEC, *extra),
        1,
        f"{SPEC}:{where}",
        words,
        files=((SPEC, text),),
        problems=problems,
    )


def with_value(old: str, new: str, text: str = VALID) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# -- file system fixtures ----------------------------------------------------------------------


def fifo(name: str) -> Callable[[Path], None]:
    return lambda root: os.mkfifo(root / name)


def unix_socket(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(root / name))
        sock.close()

    return make


def char_device(name: str) -> Callable[[Path], None]:
    """A node for the null device (1, 3) inside the test folder; skipped where mknod is not
    allowed, so no test ever aims at the system's /dev/null."""

    def make(root: Path) -> None:
        try:
            os.mknod(root / name, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except (PermissionError, AttributeError):
            pytest.skip("creating a device node needs CAP_MKNOD")

    return make


def block_device(name: str) -> Callable[[Path], None]:
    """A node for a loop device minor that is never opened (the checks only stat it)."""

    def make(root: Path) -> None:
        try:
            os.mknod(root / name, stat.S_IFBLK | 0o600, os.makedev(7, 250))
        except (PermissionError, AttributeError):
            pytest.skip("creating a device node needs CAP_MKNOD")

    return make


def folder(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).mkdir(exist_ok=True)


def link(name: str, target: str) -> Callable[[Path], None]:
    return lambda root: (root / name).symlink_to(target)


def loop(a: str, b: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / a).symlink_to(b)
        (root / b).symlink_to(a)

    return make


def all_of(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for step in steps:
            step(root)

    return make


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` RGB pixels (the data are a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + body


def jpeg_header(width: int, height: int) -> bytes:
    """A baseline JPEG whose frame header declares ``width`` x ``height`` (no image data)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3)
    sof += b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return b"\xff\xd8" + sof + sos + b"\x00" * 16 + b"\xff\xd9"


def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write of a file stops half-way with ENOSPC, as on a full disk."""
    import errno

    def write_bytes(self: Path, data: bytes) -> int:
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def without(*modules: str) -> Callable[[pytest.MonkeyPatch], None]:
    """The modules cannot be imported, and building a network fails the test: the command must
    refuse before it builds anything."""

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        import sys

        import skbuilder.nn.builder

        for module in modules:
            monkeypatch.setitem(sys.modules, module, None)

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("the network was built before the check")

        monkeypatch.setattr(skbuilder.nn.builder, "build_model", refuse)
        for name in ("attention", "export"):
            command = __import__(f"skbuilder.cli.{name}", fromlist=["x"])
            if hasattr(command, "build_model"):
                monkeypatch.setattr(command, "build_model", refuse)

    return patch


# -- the corpus --------------------------------------------------------------------------------

CASES: list[Case] = []


def add(*cases: Case) -> None:
    CASES.extend(cases)


# 1. Malformed standard tags and odd keys: a located error from the one scalar reader.
CAT = "yaml-reader"
for label, old, new, needle, words in [
    ("bool-maybe", "name: tiny", "name: !!bool maybe", "!!bool", ("`maybe` is not a boolean",)),
    ("int-empty", "depth: 1", 'depth: !!int ""', "!!int", ("an empty value is not an integer",)),
    ("timestamp-word", "name: tiny", "name: !!timestamp hello", "!!timestamp", ("not a date",)),
    (
        "timestamp-month-13",
        "name: tiny",
        "name: !!timestamp 2024-13-45",
        "!!timestamp",
        ("not a valid date", "month must be in 1..12"),
    ),
    ("implicit-bad-date", "name: tiny", "name: 2024-02-30", "2024", ("not a valid date",)),
    ("float-word", "num_classes: 3", "num_classes: !!float abc", "!!float", ("not a number",)),
    ("null-text", "num_classes: 3", "num_classes: !!null x", "!!null", ("`x` is not null",)),
    ("int-fraction", "depth: 1", "depth: !!int 1.5", "!!int", ("`1.5` is not an integer",)),
    ("int-prefix-only", "depth: 1", "depth: !!int 0x", "!!int", ("`0x` is not an integer",)),
    ("int-40-digits", "depth: 1", "depth: " + "9" * 40, "9" * 40, ("40 digits is too large",)),
    ("bool-empty", "stem: {width: 8}", 'stem: {width: 8, pool: !!bool ""}', "!!bool", ("empty",)),
]:
    text = with_value(old, new)
    path = {"name": "spec.name", "depth": "spec.stages.0.depth"}.get(
        old.split(":")[0], "spec.head.num_classes"
    )
    if label == "bool-empty":
        path = "spec.stem.pool"
    add(spec_case(f"{CAT}:{label}", CAT, text, f"{at(text, needle)}: {path}", *words))

for label, key, words in [
    ("date-key", "2024-13-45", ("cannot read the key", "not a valid date")),
    ("5000-digit-key", "? " + "1" * 5000 + "\n", ("5,000 digits is too large",)),
    ("int-tag-key", "? !!int abc\n", ("cannot read the key", "`abc` is not an integer")),
    ("bool-tag-key", "? !!bool maybe\n", ("cannot read the key", "not a boolean")),
    ("timestamp-tag-key", "? !!timestamp x\n", ("cannot read the key", "not a date")),
    ("null-tag-key", "? !!null y\n", ("cannot read the key", "not null")),
    ("float-key", "1.5", ("keys must be strings, got `1.5`", "quote it: '1.5'")),
    ("bool-key", "true", ("keys must be strings, got `true`",)),
    ("null-key", "~", ("keys must be strings, got `~`",)),
    ("valid-date-key", "2024-01-01", ("keys must be strings, got `2024-01-01`",)),
    ("octal-key", "010", ("YAML 1.1 reads `010` as the octal number 8",)),
    ("list-key", "? [a, b]\n", ("keys must be strings, got a list",)),
    ("mapping-key", "? {a: 1}\n", ("keys must be strings, got a mapping",)),
]:
    text = VALID + f"{key}: x\n"  # a "? KEY\n" key takes its value on the next line
    needle = key[2:].split("\n")[0] if key.startswith("? ") else key
    if key.startswith("? !!"):
        needle = key[2:].split(" ")[0]
    add(spec_case(f"{CAT}:{label}", CAT, text, f"{at(text, needle)}: spec", *words))

text = with_value("{name: a, depth: 1,", "{name: a, 7: x, depth: 1,")
add(spec_case(f"{CAT}:nested-int-key", CAT, text, f"{at(text, '7: x')}: spec.stages.0", "got `7`"))

# 2. Tags that are not plain data: an error wherever they stand.
CAT = "tags"
for label, old, new, needle, path, words in [
    (
        "python-name-on-key",
        "name: tiny",
        "!!python/name:os.system name: tiny",
        "!!python",
        "spec.name",
        ("the tag !!python/name:os.system is not allowed",),
    ),
    ("custom-on-key", "stages:", "!custom stages:", "!custom", "spec.stages", ("tag !custom",)),
    (
        "binary-on-key",
        "head:",
        "!!binary aGVhZA==:",
        "!!binary",
        "spec.aGVhZA==",
        ("tag !!binary is not allowed",),
    ),
    (
        "tag-on-nested-key",
        "{name: a, depth: 1,",
        "{name: a, !x depth: 1,",
        "!x",
        "spec.stages.0.depth",
        ("tag !x is not allowed",),
    ),
    (
        "set-on-mapping",
        "sk: {G: 2, r: 2, L: 4}",
        "sk: !!set {G, r}",
        "!!set",
        "spec.sk",
        ("tag !!set is not allowed",),
    ),
    (
        "omap-on-list",
        "stem: {width: 8}",
        "stem: !!omap [{width: 8}]",
        "!!omap",
        "spec.stem",
        ("tag !!omap is not allowed",),
    ),
    (
        "pairs-on-list",
        "stem: {width: 8}",
        "stem: !!pairs [[width, 8]]",
        "!!pairs",
        "spec.stem",
        ("tag !!pairs",),
    ),
    (
        "str-on-mapping",
        "  - {name: a,",
        "  - !!str {name: a,",
        "!!str",
        "spec.stages.0",
        ("the tag !!str cannot stand on a mapping", "remove the tag"),
    ),
    (
        "map-on-list",
        "stages:\n",
        "stages: !!map\n",
        "!!map",
        "spec.stages",
        ("the tag !!map cannot stand on a list",),
    ),
    (
        "seq-on-mapping",
        "sk: {G",
        "sk: !!seq {G",
        "!!seq",
        "spec.sk",
        ("the tag !!seq cannot stand on a mapping",),
    ),
    (
        "int-on-mapping",
        "head: {num",
        "head: !!int {num",
        "!!int",
        "spec.head",
        ("the tag !!int cannot stand on a mapping",),
    ),
    (
        "custom-on-list",
        "stages:\n",
        "stages: !list\n",
        "!list",
        "spec.stages",
        ("tag !list is not allowed",),
    ),
    (
        "verbatim-python",
        "head: {num_classes: 3}",
        "head: !<tag:yaml.org,2002:python/object:os.system> {}",
        "!<",
        "spec.head",
        ("!!python/object:os.system is not allowed",),
    ),
    (
        "python-new",
        "head: {num_classes: 3}",
        "head: !!python/object/new:os.system [ls]",
        "!!python",
        "spec.head",
        ("!!python/object/new:os.system is not allowed",),
    ),
    (
        "binary-value",
        "name: tiny",
        "name: !!binary dGlueQ==",
        "!!binary",
        "spec.name",
        ("tag !!binary is not allowed",),
    ),
    (
        "python-bytes",
        "name: tiny",
        "name: !!python/bytes dGlueQ==",
        "!!python",
        "spec.name",
        ("!!python/bytes is not allowed",),
    ),
    (
        "merge-key",
        "stem: {width: 8}",
        "stem: {<<: {width: 8}}",
        "<<",
        "spec.stem",
        ("merge keys (<<) are not supported",),
    ),
]:
    text = with_value(old, new)
    problems = 2 if label == "binary-on-key" else 1  # its text is also an unknown key
    add(
        spec_case(
            f"{CAT}:{label}", CAT, text, f"{at(text, needle)}: {path}", *words, problems=problems
        )
    )

text = "--- !custom\n" + VALID
add(spec_case(f"{CAT}:root-tag", CAT, text, "1:5: spec", "tag !custom is not allowed"))
text = "%TAG !e! tag:example.com,2000:\n---\n" + with_value("name: tiny", "name: !e!x tiny")
add(
    spec_case(
        f"{CAT}:tag-directive",
        CAT,
        text,
        f"{at(text, '!e!x')}: spec.name",
        "tag:example.com,2000:x is not allowed",
    )
)
text = "%TAG !! tag:evil.com,2000:\n---\n" + with_value("name: tiny", "name: !!str tiny")
add(
    spec_case(
        f"{CAT}:redefined-double-bang",
        CAT,
        text,
        f"{at(text, '!!str')}: spec.name",
        "tag:evil.com,2000:str is not allowed",
    )
)

# 3. YAML 1.1 number forms: one meaning or a refusal with a hint, in files and through --set.
CAT = "numbers"
for label, old, new, needle, path, words in [
    ("octal", "depth: 1", "depth: 010", "010", "stages.0.depth", ("octal number 8", "as 10")),
    ("octal-neg", "depth: 1", "depth: -010", "-010", "stages.0.depth", ("octal number -8",)),
    ("octal-size", "image_size: 32", "image_size: 0224", "0224", "input.image_size", ("148",)),
    ("octal-kernel", "L: 4}", "L: 4, kernels: [3, 05]}", "05", "sk.kernels.1", ("octal",)),
    ("base60", "depth: 1", "depth: 1:04", "1:04", "stages.0.depth", ("base-60 number 64",)),
    ("base60-name", "name: tiny", "name: 1:04", "1:04", "name", ("base-60", "quote it")),
    ("base60-float", "{num_classes: 3}", "{dropout: 1:30.5}", "1:30.5", "head.dropout", ("90.5",)),
    ("hex", "depth: 1", "depth: 0x10", "0x10", "stages.0.depth", ("hexadecimal number 16",)),
    ("hex-signed", "depth: 1", "depth: +0x1", "+0x1", "stages.0.depth", ("hexadecimal",)),
    ("binary", "depth: 1", "depth: 0b11", "0b11", "stages.0.depth", ("binary number 3",)),
    (
        "octal-1.2",
        "depth: 1",
        "depth: 0o10",
        "0o10",
        "stages.0.depth",
        ("expected an integer", "write 8"),
    ),
    ("underscore", "num_classes: 3", "num_classes: 1_000", "1_000", "head.num_classes", ("1000",)),
    (
        "underscore-float",
        "{num_classes: 3}",
        "{dropout: 1_0.5}",
        "1_0.5",
        "head.dropout",
        ("10.5",),
    ),
    (
        "float-for-stride",
        "stride: 1}",
        "stride: 2.0}",
        "2.0",
        "stages.0.stride",
        ("expected an integer", "write 2"),
    ),
    (
        "float-for-width",
        "out_width: 16",
        "out_width: 64.0",
        "64.0",
        "stages.0.out_width",
        ("write 64",),
    ),
    (
        "float-for-depth",
        "depth: 1",
        "depth: 1.",
        "1.",
        "stages.0.depth",
        ("expected an integer", "write 1"),
    ),
    ("bool-for-stride", "stride: 1}", "stride: true}", "true", "stages.0.stride", ("boolean",)),
    (
        "exponent-no-dot",
        "{num_classes: 3}",
        "{dropout: 1e-3}",
        "1e-3",
        "head.dropout",
        ("write 0.001",),
    ),
    (
        "exponent-no-sign",
        "{num_classes: 3}",
        "{dropout: 1.0e3}",
        "1.0e3",
        "head.dropout",
        ("write 1000.0",),
    ),
    ("nan-word", "{num_classes: 3}", "{dropout: nan}", "nan", "head.dropout", ("a number",)),
]:
    text = with_value(old, new)
    add(spec_case(f"{CAT}:{label}", CAT, text, f"{at(text, needle)}: spec.{path}", *words))

for label, override, column, path, words in [
    ("set-octal", "stages.0.depth=010", 16, "spec", ("octal number 8",)),
    ("set-base60", "stages.0.depth=1:04", 16, "spec", ("base-60 number 64",)),
    ("set-float-stride", "stages.0.stride=2.0", 17, "spec.stages.0.stride", ("write 2",)),
    ("set-exponent", "head.dropout=1e-3", 14, "spec.head.dropout", ("write 0.001",)),
    ("set-hex", "head.num_classes=0x10", 18, "spec", ("hexadecimal number 16",)),
    ("set-underscore", "stages.0.depth=1_0", 16, "spec", ("YAML 1.1 reads `1_0` as 10",)),
    ("set-bad-tag", "name=!!bool maybe", 6, "spec", ("not a boolean",)),
]:
    add(
        Case(
            f"{CAT}:{label}",
            CAT,
            ("validate", SPEC, "--set", override),
            1,
            f"--set {override}:1:{column}: {path}",
            words,
            files=((SPEC, VALID),),
            problems=1,
        )
    )

# 4. All problems at once: YAML-level problems beside schema errors.
CAT = "all-at-once"
text = with_value("name: tiny\n", "name: tiny\nname: again\n")
text = with_value("stride: 1}", "stride: 3}", text)
add(
    spec_case(
        f"{CAT}:duplicate-and-range",
        CAT,
        text,
        f"{at(text, 'name: again')}: spec.name",
        "duplicate key 'name' (first at line 1)",
        "must be one of 1, 2, got `3`",
        problems=2,
    )
)
text = with_value("name: tiny", "name: !custom tiny")
text = with_value("stem: {width: 8}", "stem: {widht: 8}", text)
add(
    spec_case(
        f"{CAT}:tag-and-unknown-key",
        CAT,
        text,
        f"{at(text, '!custom')}: spec.name",
        "tag !custom is not allowed",
        "did you mean `width`?",
        problems=2,
    )
)
text = with_value("depth: 1", "depth: 0")
add(
    Case(
        f"{CAT}:failing-set-and-range",
        CAT,
        ("validate", SPEC, "--set", "stages.7.depth=2"),
        1,
        "--set stages.7.depth=2:1:1: spec.stages.7",
        ("no item 7 in a list of 1", f"{SPEC}:{at(text, '0, mid')}", "must be at least 1"),
        files=((SPEC, text),),
        problems=2,
    )
)
add(
    Case(
        f"{CAT}:two-sets-and-duplicate",
        CAT,
        ("validate", SPEC, "--set", "name.x=1", "--set", "head.dropout=!!python/name:os.system"),
        1,
        f"{SPEC}:{at(VALID + 'stem: {}', 'stem: {}')}: spec.stem",
        ("duplicate key 'stem'", "--set name.x=1:1:1", "is not a mapping or a list", "!!python"),
        files=((SPEC, VALID + "stem: {}\n"),),
        problems=3,
    )
)
text = VALID + "? !!int abc\n: x\n"
text = with_value("out_width: 16", "out_width: 0", text)
add(
    spec_case(
        f"{CAT}:bad-key-and-range",
        CAT,
        text,
        f"{at(text, '0, stride')}: spec.stages.0.out_width",
        "must be at least 1",
        "cannot read the key",
        problems=2,
    )
)
text = with_value("depth: 1", "depth: 010")
text = with_value("stem: {width: 8}", "stem: {width: 8, pool: maybe}", text)
add(
    spec_case(
        f"{CAT}:octal-and-bool",
        CAT,
        text,
        f"{at(text, '010')}: spec.stages.0.depth",
        "octal number 8",
        "expected true or false",
        problems=2,
    )
)
text = with_value("head: {num_classes: 3}", "head: !!set {num_classes: 3}")
text = VALID.replace("head: {num_classes: 3}", "head: !!set {num_classes: 3}") + "1: one\n"
text = with_value("stride: 1}", "stride: 9}", text)
add(
    spec_case(
        f"{CAT}:three-kinds",
        CAT,
        text,
        f"{at(text, '1: one')}: spec",
        "keys must be strings",
        "tag !!set",
        "must be one of 1, 2",
        problems=3,
    )
)
add(
    Case(
        f"{CAT}:set-syntax-and-file",
        CAT,
        ("validate", SPEC, "--set", "sk.G=[1, 2"),
        1,
        "--set sk.G=[1, 2:1:11: spec",
        ("YAML error", f"{SPEC}:{at(with_value('depth: 1', 'depth: no'), 'no,')}", "boolean"),
        files=((SPEC, with_value("depth: 1", "depth: no")),),
        problems=2,
    )
)
BASE_WITH_DUPLICATE = "name: base\nname: again\nstages:\n  - {depth: 1, out_width: 16, stride: 1}\n"
CHILD = "extends: base.yaml\nhead: {dropout: 2.0}\n"
add(
    Case(
        f"{CAT}:extends-duplicate-and-child",
        CAT,
        ("validate", SPEC),
        1,
        "base.yaml:2:1: spec.name",
        ("duplicate key 'name'", f"{SPEC}:{at(CHILD, '2.0')}: spec.head.dropout", "less than 1.0"),
        files=(
            ("base.yaml", BASE_WITH_DUPLICATE),
            (SPEC, CHILD),
        ),
        problems=2,
    )
)
text = with_value("name: tiny", 'name: "\\e]0;pwned\\a"')
text = with_value("L: 4}", "L: 4, M: 2.5}", text)
add(
    spec_case(
        f"{CAT}:control-name-and-float",
        CAT,
        text,
        f"{at(text, chr(34))}: spec.name",
        "holds control or invisible characters",
        "\\x1b]0;pwned\\x07",
        "expected an integer",
        problems=2,
    )
)

# 5. Paths: every kind of file that is not a readable regular file, and bad bytes.
CAT = "paths"
for label, target, setup, words in [
    ("fifo", "p.yaml", fifo("p.yaml"), ("is a named pipe (FIFO), not a regular file",)),
    ("dev-zero", "/dev/zero", None, ("is a character device",)),
    ("dev-null", "/dev/null", None, ("is a character device",)),
    ("directory", "d.yaml", folder("d.yaml"), ("is a directory",)),
    ("missing", "missing.yaml", None, ("no such file or directory",)),
    ("nul-byte", "a\0b.yaml", None, ("the file name contains a NUL byte",)),
    ("long-name", "n" * 5000 + ".yaml", None, ("file name too long",)),
    ("symlink-loop", "l1.yaml", loop("l1.yaml", "l2.yaml"), ("too many levels of symbolic",)),
    ("socket", "s.sock", unix_socket("s.sock"), ("is a socket",)),
    ("block-device", "b.yaml", block_device("b.yaml"), ("is a block device",)),
    (
        "link-to-fifo",
        "l.yaml",
        all_of(fifo("p"), link("l.yaml", "p")),
        ("is a named pipe",),
    ),
    ("link-to-zero", "z.yaml", link("z.yaml", "/dev/zero"), ("is a character device",)),
    ("missing-folder", "no/where/s.yaml", None, ("no such file or directory",)),
]:
    shown = target.replace("\0", "\\x00")[:200]
    add(
        Case(
            f"{CAT}:spec-{label}",
            CAT,
            ("validate", target),
            3,
            f"{shown}: spec: cannot read spec:" if len(target) < 200 else f"{shown}... (",
            words,
            setup=setup,
        )
    )
add(
    Case(
        f"{CAT}:spec-fifo-summary",
        CAT,
        ("summary", "p.yaml"),
        3,
        "p.yaml: spec: cannot read spec",
        ("named pipe",),
        setup=fifo("p.yaml"),
    )
)
latin = b"name: caf\xe9\nstages:\n  - {depth: 1, out_width: 16, stride: 1}\n"
add(spec_case(f"{CAT}:latin1", CAT, latin, "1:10: spec", "byte 0xe9 is not UTF-8", "as UTF-8"))
multi = "name: ü\ndescription: 'ünï ".encode() + b"\xff'\n" + MINIMAL.split("\n", 1)[1].encode()
add(spec_case(f"{CAT}:bad-byte-after-multibyte", CAT, multi, "2:19: spec", "byte 0xff"))
utf16 = ("\ufeff" + MINIMAL).encode("utf-16-le")
add(spec_case(f"{CAT}:utf16", CAT, utf16, "1:1: spec", "the spec is UTF-16", "as UTF-8"))
add(spec_case(f"{CAT}:png-as-spec", CAT, png_header(4, 4), "1:1: spec", "byte 0x89 is not UTF-8"))
add(spec_case(f"{CAT}:empty", CAT, "", "1:1: spec", "the spec is empty"))
add(spec_case(f"{CAT}:comment-only", CAT, "# nothing\n", "1:1: spec", "the spec is empty"))
add(spec_case(f"{CAT}:over-1MiB", CAT, MINIMAL + "#" * (1 << 20), "1:1: spec", "over 1,048,576"))
add(spec_case(f"{CAT}:control-char", CAT, "name: a\x01b\n", "1:8: spec", "'\\x01' is not allowed"))
text = "name: ünï\x02\n"
add(spec_case(f"{CAT}:control-after-multibyte", CAT, text, f"{at(text, chr(2))}: spec", "\\x02"))
for label, value, setup, words in [
    ("nul", '"a\\0b.yaml"', None, ("the path contains a NUL character",)),
    ("long-name", "e" * 5000, None, ("file name too long",)),
    ("loop", "l1.yaml", loop("l1.yaml", "l2.yaml"), ("too many levels of symbolic links",)),
    ("fifo", "p.yaml", fifo("p.yaml"), ("is a named pipe (FIFO)",)),
    ("directory", "d", folder("d"), ("is a directory",)),
    ("socket", "s.sock", unix_socket("s.sock"), ("is a socket",)),
    ("missing", "missing.yaml", None, ("no such file or directory",)),
    ("absolute-device", "/dev/zero", None, ("must be a relative path",)),
    ("link-to-device", "z.yaml", link("z.yaml", "/dev/zero"), ("leaves the spec's directory",)),
    ("parent", "../x.yaml", None, ("leaves the spec's directory",)),
    ("not-a-string", "[a, b]", None, ("must be a relative path",)),
]:
    text = f"extends: {value}\n"
    add(
        Case(
            f"{CAT}:extends-{label}",
            CAT,
            ("validate", SPEC),
            1,
            f"{SPEC}:1:10: spec.extends",
            words,
            files=((SPEC, text),),
            setup=setup,
            problems=1,
        )
    )
add(
    Case(
        f"{CAT}:extends-latin1-base",
        CAT,
        ("validate", SPEC),
        1,
        "base.yaml:1:10: spec",
        ("byte 0xe9 is not UTF-8",),
        files=(("base.yaml", latin), (SPEC, "extends: base.yaml\n")),
        problems=1,
    )
)

# 6. Option values: one bounded type per kind of option; memory and image size before work.
CAT = "options"
ATT = ("attention", SPEC, "--random", "-o", "o.png")
for label, argv, words in [
    ("seed-huge", (*ATT, "--seed", "99999999999999999999999"), ("--seed", "must be from 0")),
    ("seed-negative", (*ATT, "--seed", "-1"), ("--seed", "must be from 0")),
    ("seed-word", (*ATT, "--seed", "abc"), ("--seed", "expected an integer")),
    ("seed-arabic-digits", (*ATT, "--seed", "٣"), ("--seed", "expected an integer")),
    ("seed-5000-digits", (*ATT, "--seed", "9" * 5000), ("--seed", "characters)")),
    ("size-60000", ("summary", SPEC, "--input-size", "60000"), ("must be from 1 to 8,192",)),
    ("size-zero", ("summary", SPEC, "--input-size", "0"), ("must be from 1",)),
    ("size-8193", ("render", SPEC, "-o", "x.dot", "--input-size", "8193"), ("8,192",)),
    ("size-float", ("summary", SPEC, "--input-size", "1e3"), ("expected an integer",)),
    ("size-attention", (*ATT, "--input-size", "60000"), ("--input-size",)),
    ("size-export", ("export", SPEC, "-o", "m.pt2", "--input-size", "60000"), ("8,192",)),
    ("batch-20000", (*ATT, "--batch", "20000"), ("--batch", "must be from 1 to 1,024")),
    ("batch-zero", (*ATT, "--batch", "0"), ("--batch",)),
    ("batch-exponent", (*ATT, "--batch", "1e3"), ("expected an integer",)),
    ("max-params-inf", ("validate", SPEC, "--max-params", "1e400"), ("expected a count",)),
    ("max-params-nan", ("validate", SPEC, "--max-params", "nan"), ("expected a count",)),
    ("max-params-negative", ("validate", SPEC, "--max-params", "-5"), ("expected a count",)),
    ("max-macs-5000-digits", ("validate", SPEC, "--max-macs", "9" * 5000), ("a count",)),
    ("max-macs-huge-suffix", ("validate", SPEC, "--max-macs", "9e99T"), ("1 to 10^18",)),
    ("max-memory-zero", (*ATT, "--max-memory", "0"), ("expected a count from 1",)),
    ("stage-superscript", ("render", SPEC, "-o", "x.dot", "--stage", "²"), ("stage name",)),
    ("stage-huge", ("render", SPEC, "-o", "x.dot", "--stage", "9" * 30), ("from 0 to 63",)),
    ("level-unknown", ("render", SPEC, "-o", "x.dot", "--level", "all"), ("invalid choice",)),
]:
    add(Case(f"{CAT}:{label}", CAT, argv, 2, None, ("error: argument", *words), ((SPEC, VALID),)))

add(
    Case(
        f"{CAT}:memory-attention",
        CAT,
        (*ATT, "--input-size", "8192", "--batch", "1024"),
        1,
        "skbuilder: running tiny on 1024 images of 8192x8192 could need",
        ("over the limit of 4.00GB", "--max-memory"),
        files=((SPEC, VALID),),
    )
)
add(
    Case(
        f"{CAT}:memory-export",
        CAT,
        ("export", SPEC, "-o", "m.pt2", "--input-size", "8192"),
        1,
        "skbuilder: running tiny on 2 images of 8192x8192",
        ("over the limit",),
        files=((SPEC, with_value("stem: {width: 8}", "stem: {width: 64}")),),
    )
)
add(
    Case(
        f"{CAT}:memory-limit-option",
        CAT,
        (*ATT, "--max-memory", "1K"),
        1,
        "skbuilder: running tiny on 4 images of 32x32",
        ("over the limit of 1.00KB",),
        files=((SPEC, VALID),),
    )
)
IMG = ("attention", SPEC, "-o", "o.png", "--image")
for label, name, content, setup, status, words in [
    ("png-12000", "huge.png", png_header(12000, 12000), None, 1, ("144,000,000 pixels",)),
    ("png-wide", "wide.png", png_header(1_000_000, 60), None, 1, ("over the limit of 50,000,000",)),
    ("jpeg-60000", "huge.jpg", jpeg_header(60000, 60000), None, 1, ("over the limit",)),
    ("text-as-image", "t.png", b"not an image\n", None, 1, ("cannot read image",)),
    ("fifo-image", "f.png", None, fifo("f.png"), 3, ("--image f.png: is a named pipe",)),
    ("dir-image", "d.png", None, folder("d.png"), 3, ("is a directory",)),
    ("missing-image", "none.png", None, None, 3, ("no such file",)),
    ("device-image", "/dev/zero", None, None, 3, ("is a character device",)),
]:
    files: tuple[tuple[str, str | bytes], ...] = ((SPEC, VALID),)
    if content is not None:
        files = (*files, (name, content))
    add(Case(f"{CAT}:image-{label}", CAT, (*IMG, name), status, "skbuilder:", words, files, setup))
for label, name, setup, words in [
    ("fifo", "w.pt", fifo("w.pt"), ("--weights w.pt: is a named pipe",)),
    ("dir", "w.pt", folder("w.pt"), ("is a directory",)),
    ("missing", "w.pt", None, ("no such file",)),
    ("device", "/dev/zero", None, ("is a character device",)),
]:
    add(
        Case(
            f"{CAT}:weights-{label}",
            CAT,
            (*ATT, "--weights", name),
            3,
            "skbuilder: --weights",
            words,
            ((SPEC, VALID),),
            setup,
        )
    )

# 7. Output files: one writer; nothing but a regular file is ever replaced.
CAT = "outputs"
for label, argv, setup, words in [
    ("export-onto-directory", ("export", SPEC, "-o", "d.onnx"), folder("d.onnx"), ("directory",)),
    ("export-onto-fifo", ("export", SPEC, "-o", "f.pt2"), fifo("f.pt2"), ("named pipe",)),
    ("export-onto-device", ("export", SPEC, "-o", "c.pt2"), char_device("c.pt2"), ("device",)),
    (
        "export-link-to-device",
        ("export", SPEC, "-o", "n.pt2"),
        all_of(char_device("c"), link("n.pt2", "c")),
        ("character device",),
    ),
    ("export-socket", ("export", SPEC, "-o", "s.onnx"), unix_socket("s.onnx"), ("socket",)),
    ("export-missing-folder", ("export", SPEC, "-o", "no/m.onnx"), None, ("does not exist",)),
    ("dump-onto-directory", ("dump", SPEC, "-o", "d"), folder("d"), ("directory",)),
    ("dump-onto-fifo", ("dump", SPEC, "-o", "f"), fifo("f"), ("named pipe",)),
    ("dump-onto-device", ("dump", SPEC, "-o", "c"), char_device("c"), ("character device",)),
    ("dump-onto-socket", ("dump", SPEC, "-o", "s"), unix_socket("s"), ("socket",)),
    ("dump-onto-block-device", ("dump", SPEC, "-o", "b"), block_device("b"), ("block device",)),
    (
        "dump-link-to-device",
        ("dump", SPEC, "-o", "n"),
        all_of(char_device("c"), link("n", "c")),
        ("device",),
    ),
    ("dump-link-loop", ("dump", SPEC, "-o", "l1"), loop("l1", "l2"), ("symbolic links",)),
    ("dump-missing-folder", ("dump", SPEC, "-o", "no/x.yaml"), None, ("does not exist",)),
    ("dump-nul", ("dump", SPEC, "-o", "a\0b"), None, ("NUL byte",)),
    ("dump-long-name", ("dump", SPEC, "-o", "x" * 300), None, ("file name too long",)),
    ("dump-into-file", ("dump", SPEC, "-o", f"{SPEC}/x"), None, ("not a directory",)),
    ("schema-onto-directory", ("schema", "-o", "."), None, ("directory",)),
    ("schema-onto-fifo", ("schema", "-o", "f.json"), fifo("f.json"), ("named pipe",)),
    ("schema-onto-device", ("schema", "-o", "c.json"), char_device("c.json"), ("device",)),
    ("render-onto-directory", ("render", SPEC, "-o", "d.svg"), folder("d.svg"), ("directory",)),
    ("render-onto-fifo", ("render", SPEC, "-o", "f.dot"), fifo("f.dot"), ("named pipe",)),
    ("render-onto-device", ("render", SPEC, "-o", "c.dot"), char_device("c.dot"), ("device",)),
    (
        "attention-onto-directory",
        ("attention", SPEC, "--random", "-o", "d.png"),
        folder("d.png"),
        ("directory",),
    ),
    (
        "attention-onto-fifo",
        ("attention", SPEC, "--random", "-o", "f.png"),
        fifo("f.png"),
        ("named pipe",),
    ),
    (
        "attention-default-name-is-directory",
        ("attention", SPEC, "--random"),
        folder("tiny-attention.png"),
        ("directory",),
    ),
]:
    add(
        Case(
            f"{CAT}:{label}",
            CAT,
            argv,
            3,
            "skbuilder: cannot write",
            words,
            ((SPEC, VALID),),
            setup,
        )
    )
for label, argv in [
    ("dump-disk-full", ("dump", SPEC, "-o", "out.yaml")),
    ("schema-disk-full", ("schema", "-o", "out.json")),
    ("render-disk-full", ("render", SPEC, "-o", "out.dot")),
]:
    add(
        Case(
            f"{CAT}:{label}",
            CAT,
            argv,
            3,
            f"skbuilder: cannot write {argv[-1]}: no space left on device",
            (),
            ((SPEC, VALID), (argv[-1], "the old content\n")),
            patch=disk_full,
        )
    )
add(
    Case(
        f"{CAT}:attention-wrong-suffix",
        CAT,
        ("attention", SPEC, "--random", "-o", "o.jpg"),
        1,
        "skbuilder: -o o.jpg: unknown format",
        (".png",),
        ((SPEC, VALID),),
    )
)

# 8. Terminal output: echoed text truncated and escaped.
CAT = "terminal"
text = VALID + "? " + "k" * 1_000_000 + "\n: 1\n"
add(
    spec_case(
        f"{CAT}:megabyte-key", CAT, text, f"{at(text, 'kkk')}: spec.kkkk", "(1,000,000 characters)"
    )
)
text = VALID + "? " + "d" * 100_000 + "\n: 1\n? " + "d" * 100_000 + "\n: 2\n"
add(
    spec_case(
        f"{CAT}:duplicate-long-key",
        CAT,
        text,
        f"{at(text, 'd' * 100_000, 1)}: spec.dddd",
        "duplicate key",
        "(100,000 characters)",
        problems=2,
    )
)
text = VALID + '"\\e[2J\\e[Hkey": 1\n'
add(spec_case(f"{CAT}:escape-in-key", CAT, text, f"{at(text, chr(34))}: spec.\\x1b[2J", "\\x1b[H"))
text = with_value("name: tiny", 'name: "\\e[31mred\\e[0m"')
add(spec_case(f"{CAT}:escape-in-name", CAT, text, f"{at(text, chr(34))}: spec.name", "\\x1b[31m"))
text = with_value("name: tiny", 'name: "abc\\u202edcba"')
add(spec_case(f"{CAT}:bidi-in-name", CAT, text, f"{at(text, chr(34))}: spec.name", "\\u202e"))
text = with_value("name: tiny", 'name: "a\\u200bb"')
add(spec_case(f"{CAT}:zero-width-in-name", CAT, text, f"{at(text, chr(34))}: spec.name", "\\u200b"))
text = with_value("name: tiny", 'name: "a\\0b"')
add(spec_case(f"{CAT}:nul-in-name", CAT, text, f"{at(text, chr(34))}: spec.name", "\\x00"))
text = with_value("name: tiny", 'name: "line\\nbreak"')
add(spec_case(f"{CAT}:newline-in-name", CAT, text, f"{at(text, chr(34))}: spec.name", "\\n"))
text = with_value("depth: 1", 'depth: "' + "x" * 100_000 + '"')
add(spec_case(f"{CAT}:long-string-for-int", CAT, text, f"{at(text, chr(34))}: spec.stages.0.depth"))
text = with_value("name: a,", 'name: "\\e[2J",')
add(spec_case(f"{CAT}:escape-in-stage-name", CAT, text, f"{at(text, chr(34))}: spec.stages.0.name"))
add(
    Case(
        f"{CAT}:escape-in-set-path",
        CAT,
        ("validate", SPEC, "--set", "\x1b[2J=1"),
        1,
        "--set \\x1b[2J=1:1:1: spec.\\x1b[2J: unknown key",
        (),
        ((SPEC, VALID),),
        problems=1,
    )
)
add(
    Case(
        f"{CAT}:long-set-value",
        CAT,
        ("validate", SPEC, "--set", "name=" + "v" * 200_000),
        1,
        "--set name=vvv",
        ("(200,011 characters):1:6: spec.name", "at most 128 characters"),
        ((SPEC, VALID),),
        problems=1,
    )
)
add(
    Case(
        f"{CAT}:escape-in-spec-path",
        CAT,
        ("validate", "\x1b[2Jx.yaml"),
        3,
        "\\x1b[2Jx.yaml: spec: cannot read spec",
        (),
    )
)
add(
    Case(
        f"{CAT}:escape-in-output-path",
        CAT,
        ("dump", SPEC, "-o", "no/\x1b[2J.yaml"),
        3,
        "skbuilder: cannot write no/\\x1b[2J.yaml",
        (),
        ((SPEC, VALID),),
    )
)
add(
    Case(
        f"{CAT}:escape-in-choice",
        CAT,
        ("render", SPEC, "-o", "x.dot", "--level", "\x1b[2J" * 10_000),
        2,
        None,
        ("invalid choice", "\\x1b[2J", "characters)"),
        ((SPEC, VALID),),
    )
)
add(
    Case(
        f"{CAT}:escape-in-unknown-argument",
        CAT,
        ("validate", SPEC, "--\x1b[2J"),
        2,
        None,
        ("unrecognized arguments", "\\x1b[2J"),
        ((SPEC, VALID),),
    )
)
add(
    Case(
        f"{CAT}:escape-in-count",
        CAT,
        ("validate", SPEC, "--max-params", "\x1b[2J" + "9" * 100_000),
        2,
        None,
        ("\\x1b[2J", "characters)"),
        ((SPEC, VALID),),
    )
)
text = "name: tiny\n" + "".join(f"k: {i}\n" for i in range(1000)) + MINIMAL.split("\n", 1)[1]
add(
    spec_case(
        f"{CAT}:thousand-duplicates",
        CAT,
        text,
        f"{at(text, 'k: 1')}: spec.k",
        "... and 800 more",
        problems=1000,
    )
)

# 9. Messages: the part that holds the size, checks before work, missing packages.
CAT = "messages"
text = with_value("out_width: 16", "out_width: 4096").replace(
    "head: {num_classes: 3}", "head: {num_classes: 1000000}"
)
add(
    spec_case(
        f"{CAT}:budget-names-the-head",
        CAT,
        text,
        f"{at(text, '{num_classes')}: spec.head",
        "4.10G parameters",
        "the head (1,000,000 classes) alone has 4.10G",
        "--max-params",
    )
)
text = with_value("stem: {width: 8}", "stem: {width: 60000}")
add(
    spec_case(
        f"{CAT}:budget-names-the-stem",
        CAT,
        text,
        f"{at(text, '{width')}: spec.stem",
        "the stem alone has",
        extra=("--max-params", "1M"),
    )
)
text = with_value("{name: a, depth: 1,", "{name: a, depth: 100,").replace(
    "out_width: 16", "out_width: 1024"
)
add(
    spec_case(
        f"{CAT}:budget-names-the-stage",
        CAT,
        text,
        f"{at(text, '{name: a')}: spec.stages.0",
        "stage a alone has",
        extra=("--max-params", "1M"),
    )
)
add(
    Case(
        f"{CAT}:attention-without-matplotlib",
        CAT,
        ("attention", SPEC, "--random", "-o", "o.png"),
        4,
        "skbuilder: this needs the matplotlib package",
        ("skbuilder[viz]",),
        ((SPEC, VALID),),
        patch=without("matplotlib", "matplotlib.figure"),
    )
)
add(
    Case(
        f"{CAT}:export-without-onnx",
        CAT,
        ("export", SPEC, "-o", "m.onnx"),
        4,
        "skbuilder: this needs the onnx package",
        ("skbuilder[onnx]",),
        ((SPEC, VALID),),
        patch=without("onnx"),
    )
)
add(
    Case(
        f"{CAT}:missing-spec-is-not-a-spec-problem",
        CAT,
        ("summary", "nowhere.yaml"),
        3,
        "nowhere.yaml: spec: cannot read spec: no such file or directory",
        (),
    )
)
add(
    Case(
        f"{CAT}:no-sk-convolutions",
        CAT,
        ("attention", SPEC, "--random", "-o", "o.png"),
        1,
        "skbuilder: tiny has no SK convolutions",
        (),
        ((SPEC, with_value("{name: a,", "{name: a, block: bottleneck,", PLAIN)),),
    )
)
add(
    Case(
        f"{CAT}:input-size-collapses",
        CAT,
        ("export", SPEC, "-o", "m.pt2", "--input-size", "2"),
        1,
        "skbuilder: --input-size 2:",
        ("the smallest input this network takes",),
        ((SPEC, VALID),),
    )
)


# -- third round: plugins, entry points, the scale commands, images, output streams -----------

KIND_SPEC = with_value("{name: a,", "{name: a, block: mine,")
PLUGIN = "p.py"
KIND_HEAD = (
    "from skbuilder.blocks import BlockKind, register_block\n"
    "from skbuilder.blocks.cost import Cost, Shape\n"
    "from skbuilder.blocks.ops import Conv\n"
)
GOOD_LAYOUT = (
    "    def layout(self, w_in, w_out, stride, params):\n"
    "        return Conv(w_in, w_out, 3, stride)\n"
)


def kind_plugin(body: str, base: str = "BlockKind", name: str = "mine") -> str:
    """A plugin registering ``name`` as a class with ``body``."""
    return f'{KIND_HEAD}\n\n@register_block("{name}")\nclass Mine({base}):\n{body}'


def plugin_case(
    label: str,
    category: str,
    source: str | bytes,
    words: tuple[str, ...],
    argv: tuple[str, ...] = ("validate", SPEC),
    status: int = 1,
    where: str | None = "skbuilder: cannot load plugin p.py",
    spec: str = VALID,
    not_out: tuple[str, ...] = (),
) -> Case:
    return Case(
        f"{category}:{label}",
        category,
        (*argv, "--plugin", PLUGIN),
        status,
        where,
        words,
        files=((SPEC, spec), (PLUGIN, source)),
        not_out=not_out,
    )


# 10. Plugins: loading third-party code is one guarded step; nothing escapes it.
CAT = "plugins"
for label, source, words in [
    ("exit-0", "import sys\nsys.exit(0)\n", ("it called sys.exit(0)",)),
    ("exit-1", "import sys\nsys.exit(1)\n", ("it called sys.exit(1)",)),
    ("exit-none", "import sys\nsys.exit()\n", ("it called sys.exit(None)",)),
    ("exit-text", "import sys\nsys.exit('bye')\n", ("sys.exit('bye')",)),
    ("raise-systemexit", "raise SystemExit(0)\n", ("sys.exit(0)",)),
    ("keyboard-interrupt", "raise KeyboardInterrupt\n", ("KeyboardInterrupt",)),
    ("generator-exit", "raise GeneratorExit('x')\n", ("GeneratorExit: x",)),
    ("base-exception", "raise BaseException('odd')\n", ("BaseException: odd",)),
    (
        "own-base-exception",
        "class Stop(BaseException):\n    pass\nraise Stop('here')\n",
        ("Stop: here",),
    ),
    ("exit-in-function", "import sys\ndef go():\n    sys.exit(0)\ngo()\n", ("sys.exit(0)",)),
    ("exit-in-atexit-free", "import os\nos.environ.get('X')\nraise SystemExit\n", ("exit",)),
    ("value-error", "raise ValueError('bad plugin')\n", ("ValueError: bad plugin",)),
    ("missing-import", "import no_such_module_here\n", ("No module named",)),
    ("syntax-error", "def (:\n", ("SyntaxError",)),
    ("nul-byte", b"x = 1\0\n", ("null bytes",)),
    ("latin1-source", b"name = '\xe9'\n", ("SyntaxError",)),
    ("recursion", "def f():\n    return f()\nf()\n", ("RecursionError",)),
    ("escape-in-message", "raise ValueError('\\x1b[2J')\n", ("\\x1b[2J",)),
    ("huge-message", "raise ValueError('v' * 100000)\n", ("characters)",)),
    (
        "not-an-identifier",
        "from skbuilder.blocks import register_block\nregister_block('a b')\n",
        ("must be an identifier",),
    ),
    (
        "not-a-kind",
        "from skbuilder.blocks import register_block\nregister_block('x')(42)\n",
        ("is not a block kind",),
    ),
    (
        "builtin-without-replace",
        kind_plugin(GOOD_LAYOUT, name="sk_bottleneck"),
        ("'sk_bottleneck' is already registered", "replace=True"),
    ),
]:
    add(plugin_case(label, CAT, source, words))
add(
    plugin_case(
        "prints-then-exits",
        CAT,
        "print('hello from a plugin')\nimport sys\nsys.exit(0)\n",
        ("hello from a plugin", "sys.exit(0)"),
        not_out=("hello",),
    )
)
add(
    plugin_case(
        "prints-into-json",
        CAT,
        'print(\'{"not": "json"}\')\n' + kind_plugin(GOOD_LAYOUT),
        ('{"not": "json"}',),
        argv=("validate", "--format", "json", SPEC),
        where=None,
        spec=with_value("stride: 1}", "stride: 3}", KIND_SPEC),
        not_out=('"not"',),
    )
)
add(
    plugin_case(
        "replaces-builtin-is-reported",
        CAT,
        kind_plugin(GOOD_LAYOUT, name="bottleneck").replace(
            '@register_block("bottleneck")', '@register_block("bottleneck", replace=True)'
        ),
        ("warning: the built-in block kind 'bottleneck' is replaced by",),
        where=f"{SPEC}:{at(with_value('stride: 1}', 'stride: 3}'), '3}')}",
        spec=with_value("stride: 1}", "stride: 3}"),
    )
)
for label, name, setup, words in [
    ("file-missing", "./none.py", None, ("no such file",)),
    ("file-fifo", "./f.py", fifo("f.py"), ("named pipe",)),
    ("file-directory", "./d.py", folder("d.py"), ("is a directory",)),
    ("file-link-to-device", "./z.py", link("z.py", "/dev/zero"), ("character device",)),
    ("file-link-loop", "./l1.py", loop("l1.py", "l2.py"), ("symbolic links",)),
    ("file-nul-name", "./a\0b.py", None, ("NUL byte",)),
    ("file-device", "/dev/zero", None, ("ends in .py",)),
    ("file-not-py", "./x.txt", None, ("ends in .py",)),
    ("module-from-cwd-refused", "here_blocks", None, ("No module named", "--plugin ./here")),
    ("module-empty", "", None, ("give a module name",)),
    ("module-space", "a b", None, ("give a module name",)),
    ("module-digit", "9abc", None, ("give a module name",)),
    ("module-escape", "\x1b[2J", None, ("\\x1b[2J",)),
    ("module-5000-chars", "a" * 5000, None, ("characters)",)),
    ("module-attribute", "os.path.join", None, ("No module named",)),
    ("module-dunder-main", "__main__.x", None, ("cannot load plugin",)),
]:
    files: tuple[tuple[str, str | bytes], ...] = ((SPEC, VALID), ("here_blocks.py", "x = 1\n"))
    add(
        Case(
            f"{CAT}:{label}",
            CAT,
            ("validate", SPEC, "--plugin", name),
            3 if label.startswith("file-") and label not in ("file-device", "file-not-py") else 1,
            "skbuilder: cannot load plugin",
            words,
            files,
            setup,
        )
    )
add(
    Case(
        f"{CAT}:file-over-1MiB",
        CAT,
        ("validate", SPEC, "--plugin", "big.py"),
        1,
        "skbuilder: cannot load plugin big.py",
        ("over 1,048,576 bytes",),
        ((SPEC, VALID), ("big.py", "#" * (1 << 20) + "\n")),
    )
)

# 11. Block kinds from plugins: every answer of the description is checked, at the stage.
CAT = "kinds"
BLOCK_AT = f"{SPEC}:{at(KIND_SPEC, 'mine')}: spec.stages.0.block"
for label, body, words in [
    (
        "cost-string",
        GOOD_LAYOUT
        + "    def complexity(self, cx, w_in, w_out, stride, params):\n        return 'abc'\n",
        ("complexity() returned str 'abc', not a Cost",),
    ),
    (
        "cost-none",
        GOOD_LAYOUT + "    def complexity(self, cx, *args):\n        return None\n",
        ("returned NoneType None",),
    ),
    (
        "cost-negative",
        GOOD_LAYOUT
        + "    def complexity(self, cx, *args):\n"
        + "        return Cost(cx.shape, params=cx.params - 5, macs=cx.macs, acts=cx.acts)\n",
        ("negative number of params (-5)",),
    ),
    (
        "cost-negative-macs",
        GOOD_LAYOUT
        + "    def complexity(self, cx, *args):\n"
        + "        return Cost(cx.shape, params=cx.params, macs=cx.macs - 1, acts=cx.acts)\n",
        ("negative number of macs",),
    ),
    (
        "cost-float",
        GOOD_LAYOUT
        + "    def complexity(self, cx, *args):\n"
        + "        return Cost(cx.shape, params=1.5, macs=cx.macs, acts=cx.acts)\n",
        ("params is float 1.5, not an integer",),
    ),
    (
        "cost-bool",
        GOOD_LAYOUT
        + "    def complexity(self, cx, *args):\n"
        + "        return Cost(cx.shape, params=True, macs=cx.macs, acts=cx.acts)\n",
        ("params is bool True",),
    ),
    (
        "cost-zero-size",
        GOOD_LAYOUT + "    def complexity(self, cx, *args):\n        return Cost(Shape(8, 0, 0))\n",
        ("output of 0x0",),
    ),
    (
        "cost-raises",
        GOOD_LAYOUT + "    def complexity(self, cx, *args):\n        return 1 / 0\n",
        ("complexity() failed: ZeroDivisionError",),
    ),
    (
        "cost-exits",
        GOOD_LAYOUT + "    def complexity(self, cx, *args):\n        raise SystemExit(0)\n",
        ("complexity() failed: SystemExit",),
    ),
    (
        "layout-raises",
        "    def layout(self, *args):\n        raise ValueError('no layout today')\n",
        ("check() failed: ValueError: no layout today",),
    ),
    (
        "layout-string",
        "    def layout(self, *args):\n        return 'conv'\n",
        ("check() failed: AttributeError",),
    ),
    (
        "check-string",
        GOOD_LAYOUT + "    def check(self, *args):\n        return 'wrong'\n",
        ("check() returned str 'wrong', not a list of Violation",),
    ),
    (
        "check-none",
        GOOD_LAYOUT + "    def check(self, *args):\n        return None\n",
        ("check() returned NoneType None",),
    ),
    (
        "check-strings",
        GOOD_LAYOUT + "    def check(self, *args):\n        return ['a', 'b']\n",
        ("not a list of Violation",),
    ),
    (
        "check-exits",
        GOOD_LAYOUT + "    def check(self, *args):\n        raise SystemExit(0)\n",
        ("check() failed: SystemExit",),
    ),
    (
        "unused-string",
        GOOD_LAYOUT + "    def unused(self, params):\n        return 'nothing'\n",
        ("unused() returned str 'nothing'",),
    ),
    (
        "unused-raises",
        GOOD_LAYOUT + "    def unused(self, params):\n        raise SystemExit(0)\n",
        ("unused() failed: SystemExit",),
    ),
    (
        "rules-string",
        GOOD_LAYOUT + "    def rules(self, *args):\n        return 'no'\n",
        ("check() returned str 'no'",),
    ),
]:
    for command in (
        ("validate", "summary") if label in {"cost-string", "cost-negative"} else ("validate",)
    ):
        add(
            plugin_case(
                f"{label}-{command}" if command != "validate" else label,
                CAT,
                kind_plugin(body),
                ("block kind 'mine'", *words),
                argv=(command, SPEC),
                where=BLOCK_AT,
                spec=KIND_SPEC,
            )
        )
MODULE_KIND = (
    "from skbuilder.blocks import register_block\n"
    "from skbuilder.blocks.cost import Cost, Shape\n\n"
    "@register_block('mine')\nclass Mine:\n"
    "    @classmethod\n    def complexity(cls, cx, w_in, w_out, stride, params):\n"
    "        shape = Shape(w_out, cx.h, cx.w)\n"
    "        return Cost(shape, params=cx.params + 1, macs=cx.macs, acts=cx.acts)\n"
)
add(
    plugin_case(
        "no-layout",
        CAT,
        kind_plugin("    pass\n"),
        ("block kind Mine must describe its layout()",),
    )
)
add(
    plugin_case(
        "module-check-string",
        CAT,
        MODULE_KIND + "    @classmethod\n    def check(cls, *args):\n        return 'no'\n",
        ("block kind 'mine'", "not a list of Violation"),
        where=BLOCK_AT,
        spec=KIND_SPEC,
    )
)
add(
    plugin_case(
        "module-cost-string",
        CAT,
        MODULE_KIND.replace("return Cost(shape", "return 'x' or Cost(shape"),
        ("complexity() returned str 'x'",),
        where=BLOCK_AT,
        spec=KIND_SPEC,
    )
)
for label, extra, body, words in [
    (
        "draw-raises",
        ("--level", "stage"),
        GOOD_LAYOUT + "    def draw(self, *args):\n        raise RuntimeError('cannot draw')\n",
        ("draw() failed: RuntimeError: cannot draw",),
    ),
    (
        "summary-lines-raise",
        (),
        GOOD_LAYOUT + "    def summary_lines(self, *args):\n        raise KeyError('k')\n",
        ("summary_lines() failed: KeyError",),
    ),
]:
    add(
        plugin_case(
            label,
            CAT,
            kind_plugin(body),
            ("block kind 'mine'", *words),
            argv=("render", SPEC, "-o", "x.dot", *extra),
            where="skbuilder: block kind 'mine'",
            spec=KIND_SPEC,
        )
    )


# 12. Installed entry points: a broken package is skipped with a warning, a failing plugin is
# named where its kind is missing.
CAT = "entry-points"
SITE = "site"
DIST = f"{SITE}/fake-1.0.dist-info"
METADATA = "Metadata-Version: 2.1\nName: fake\nVersion: 1.0\n"


def installed(
    entry_points: str | bytes, *modules: tuple[str, str]
) -> tuple[tuple[str, str | bytes], ...]:
    return (
        (f"{DIST}/METADATA", METADATA),
        (f"{DIST}/entry_points.txt", entry_points),
        *((f"{SITE}/{name}", text) for name, text in modules),
    )


def site_folders(root: Path) -> None:
    (root / DIST).mkdir(parents=True)


for label, entry_points, modules, words in [
    (
        "no-equals",
        "[skbuilder.blocks]\nthis line has no equals\n",
        (),
        ("ignoring the installed package",),
    ),
    ("invalid-utf8", b"[skbuilder.blocks]\nx = \xff\xfe\n", (), ("UnicodeDecodeError",)),
    ("nul-in-metadata", b"[skbuilder.blocks]\nx = a\0b\n", (), ("unknown block kind 'mine'",)),
    ("bad-reference", "[skbuilder.blocks]\nmine = not a:valid:ref\n", (), ("failed to load",)),
    (
        "exits",
        "[skbuilder.blocks]\nmine = ep_exit\n",
        (("ep_exit.py", "raise SystemExit(0)\n"),),
        ("sys.exit(0)",),
    ),
    (
        "keyboard-interrupt",
        "[skbuilder.blocks]\nmine = ep_int\n",
        (("ep_int.py", "raise KeyboardInterrupt\n"),),
        ("KeyboardInterrupt",),
    ),
    (
        "base-exception",
        "[skbuilder.blocks]\nmine = ep_base\n",
        (("ep_base.py", "raise BaseException('b')\n"),),
        ("BaseException: b",),
    ),
    (
        "missing-module",
        "[skbuilder.blocks]\nmine = ep_nowhere\n",
        (),
        ("No module named 'ep_nowhere'",),
    ),
    (
        "missing-attribute",
        "[skbuilder.blocks]\nmine = ep_mod:Nothing\n",
        (("ep_mod.py", "x = 1\n"),),
        ("AttributeError",),
    ),
    (
        "not-a-kind",
        "[skbuilder.blocks]\nmine = ep_mod:x\n",
        (("ep_mod.py", "x = 1\n"),),
        ("is not a block kind",),
    ),
    (
        "prints",
        "[skbuilder.blocks]\nmine = ep_print\n",
        (("ep_print.py", "print('from an entry point')\nraise SystemExit(3)\n"),),
        ("from an entry point", "sys.exit(3)"),
    ),
    (
        "registers-builtin",
        "[skbuilder.blocks]\nmine = ep_over\n",
        (("ep_over.py", kind_plugin(GOOD_LAYOUT, name="sk_bottleneck")),),
        ("already registered",),
    ),
]:
    add(
        Case(
            f"{CAT}:{label}",
            CAT,
            ("validate", SPEC),
            1,
            None,
            ("unknown block kind 'mine'", *words),
            files=((SPEC, KIND_SPEC), *installed(entry_points, *modules)),
            setup=None,
            path_entries=(SITE,),
            not_out=("from an entry point",),
        )
    )
for label, command in [("summary", ("summary", SPEC)), ("dump", ("dump", SPEC))]:
    add(
        Case(
            f"{CAT}:broken-package-{label}",
            CAT,
            command,
            1,
            None,
            ("unknown block kind 'mine'", "warning: ignoring the installed package"),
            files=((SPEC, KIND_SPEC), *installed(b"[skbuilder.blocks]\n\xff = x\n")),
            path_entries=(SITE,),
        )
    )


# 13. The scale commands' options: each has a range, so nothing asks for absurd memory.
CAT = "scale-options"
EXP = ("scale", "experiment", "--out", "out")
ANA = ("scale", "analyze", SPEC, "--images", "imgs", "--out", "out")
for label, argv, words in [
    ("seeds-25-digits", (*EXP, "--seeds", "9" * 25), ("--seeds", "must be from 0")),
    ("seeds-negative", (*EXP, "--seeds", "-1"), ("must be from 0",)),
    ("seeds-word", (*EXP, "--seeds", "a,b"), ("expected an integer",)),
    ("seeds-duplicate", (*EXP, "--seeds", "1,1"), ("distinct",)),
    ("seeds-too-many", (*EXP, "--seeds", ",".join(map(str, range(65)))), ("at most 64 seeds",)),
    ("seeds-empty", (*EXP, "--seeds", ""), ("expected an integer",)),
    ("seeds-5000-digits", (*EXP, "--seeds", "9" * 5000), ("characters)",)),
    ("scales-inf", (*EXP, "--scales", "1,inf"), ("expected scales such as",)),
    ("scales-nan", (*EXP, "--scales", "nan"), ("expected scales such as",)),
    ("scales-1e400", (*EXP, "--scales", "1,1e400"), ("expected scales",)),
    ("scales-tiny", (*EXP, "--scales", "1e-320"), ("expected scales",)),
    ("scales-below-one", (*EXP, "--scales", "0.5,1"), ("from 1",)),
    ("scales-huge", (*EXP, "--scales", "1,9"), ("to 8",)),
    ("scales-duplicate", (*EXP, "--scales", "1,1.0"), ("distinct",)),
    ("scales-too-many", (*EXP, "--scales", ",".join(["1"] * 17)), ("at most 16 scales",)),
    ("scales-hex", (*EXP, "--scales", "0x2"), ("expected scales",)),
    ("epochs-zero", (*EXP, "--epochs", "0"), ("must be from 1",)),
    ("epochs-huge", (*EXP, "--epochs", "9" * 30), ("must be from 1",)),
    ("train-images-zero", (*EXP, "--train-images", "0"), ("must be from 1",)),
    ("train-images-float", (*EXP, "--train-images", "1e6"), ("expected an integer",)),
    ("test-images-huge", (*EXP, "--test-images", "10000001"), ("must be from 1",)),
    ("jobs-zero", (*EXP, "--jobs", "0"), ("must be from 1",)),
    ("jobs-65", (*EXP, "--jobs", "65"), ("to 64",)),
    ("threads-zero", (*EXP, "--threads", "0"), ("must be from 1",)),
    ("threads-huge", (*EXP, "--threads", "100000"), ("to 256",)),
    ("memory-zero", (*EXP, "--max-memory", "0"), ("expected a count from 1",)),
    ("analyze-seed-25-digits", (*ANA, "--seed", "9" * 25), ("--seed", "must be from 0")),
    ("analyze-seed-negative", (*ANA, "--seed", "-3"), ("--seed",)),
    ("analyze-crop-1e-320", (*ANA, "--crop-fraction", "1e-320"), ("expected a fraction",)),
    ("analyze-crop-0.001", (*ANA, "--crop-fraction", "0.001"), ("from 0.25 to 1",)),
    ("analyze-crop-zero", (*ANA, "--crop-fraction", "0"), ("from 0.25 to 1",)),
    ("analyze-crop-nan", (*ANA, "--crop-fraction", "nan"), ("expected a fraction",)),
    ("analyze-crop-inf", (*ANA, "--crop-fraction", "inf"), ("expected a fraction",)),
    ("analyze-crop-above-one", (*ANA, "--crop-fraction", "1.5"), ("from 0.25 to 1",)),
    ("analyze-batch-zero", (*ANA, "--batch", "0"), ("must be from 1",)),
    ("analyze-limit-zero", (*ANA, "--limit", "0"), ("must be from 1",)),
    ("analyze-size-60000", (*ANA, "--input-size", "60000"), ("8,192",)),
    ("analyze-scales-inf", (*ANA, "--scales", "inf"), ("expected scales",)),
]:
    add(Case(f"{CAT}:{label}", CAT, argv, 2, None, ("error: argument", *words), ((SPEC, VALID),)))
for label, argv, words in [
    ("train-images-million", (*EXP, "--train-images", "1000000"), ("1,000,000 images",)),
    ("test-images-million", (*EXP, "--test-images", "1000000"), ("--max-memory",)),
    ("memory-option", (*EXP, "--max-memory", "1M"), ("over the limit of 1.00MB",)),
]:
    add(Case(f"{CAT}:{label}", CAT, argv, 1, "skbuilder: ", words))


# 14. The scale commands' files: read through the bounded reader, checked before use.
CAT = "scale-files"
REP = ("scale", "report", "r")


def results_with(**changes: object) -> str:
    import json

    data: dict[str, object] = {
        "format": 2,
        "config": {"scales": [1.0, 1.5]},
        "spec": "x",
        "seeds": [{"seed": 0, "accuracy": {}, "rows": [], "large_kernel": {}}],
    }
    data.update(changes)
    return json.dumps(data)


for label, content, setup, status, words in [
    ("results-missing", None, folder("r"), 3, ("no such file",)),
    ("results-fifo", None, all_of(folder("r"), fifo("r/results.json")), 3, ("named pipe",)),
    ("results-directory", None, all_of(folder("r"), folder("r/results.json")), 3, ("directory",)),
    (
        "results-dev-zero",
        None,
        all_of(folder("r"), link("r/results.json", "/dev/zero")),
        3,
        ("character device",),
    ),
    (
        "results-loop",
        None,
        all_of(folder("r"), link("r/results.json", "results.json")),
        3,
        ("symbolic links",),
    ),
    ("results-not-json", "not json", None, 1, ("cannot read the results",)),
    ("results-invalid-utf8", b'{"a": "\xff"}', None, 1, ("not UTF-8",)),
    ("results-nan", '{"seeds": [NaN]}', None, 1, ("NaN is not a number JSON allows",)),
    ("results-infinity", '{"seeds": [Infinity]}', None, 1, ("Infinity",)),
    ("results-deep-lists", "[" * 100_000 + "]" * 100_000, None, 1, ("nested too deeply",)),
    ("results-deep-objects", '{"a":' * 50 + "1" + "}" * 50, None, 1, ("nested too deeply",)),
    ("results-list", "[]", None, 1, ("no seeds",)),
    ("results-no-seeds", results_with(seeds=[]), None, 1, ("no seeds",)),
    ("results-seeds-text", results_with(seeds="abc"), None, 1, ("no seeds",)),
    ("results-empty-scales", results_with(config={"scales": []}), None, 1, ("config.scales",)),
    ("results-scale-text", results_with(config={"scales": ["a"]}), None, 1, ("config.scales",)),
    ("results-scale-half", results_with(config={"scales": [0.5]}), None, 1, ("at least 1",)),
    ("results-no-config", results_with(config=None), None, 1, ("config.scales",)),
    ("results-seed-number", results_with(seeds=[1]), None, 1, ("not the results this version",)),
    ("results-empty-rows", results_with(), None, 1, ("not the results this version",)),
    ("results-old-format", results_with(format=None), None, 1, ("results of another format",)),
]:
    files: tuple[tuple[str, str | bytes], ...] = ()
    if content is not None:
        files = (("r/results.json", content),)
        setup = setup or (lambda root: None)
    add(Case(f"{CAT}:{label}", CAT, REP, status, "skbuilder: r/results.json", words, files, setup))
GOOD_RESULTS = (("r/results.json", results_with()),)
for label, extra, setup, files, status, words in [
    ("memory-fifo", ("--memory", "m.json"), fifo("m.json"), (), 3, ("named pipe",)),
    ("memory-missing", ("--memory", "m.json"), None, (), 3, ("no such file",)),
    ("memory-dev-zero", ("--memory", "/dev/zero"), None, (), 3, ("character device",)),
    ("memory-nan", ("--memory", "m.json"), None, (("m.json", "NaN"),), 1, ("NaN",)),
    ("memory-list", ("--memory", "m.json"), None, (("m.json", "[1]"),), 1, ("not an object",)),
    ("doc-fifo", ("--doc", "d.md"), fifo("d.md"), (), 3, ("named pipe",)),
    ("doc-missing", ("--doc", "d.md"), None, (), 3, ("no such file",)),
    ("doc-directory", ("--doc", "d.md"), folder("d.md"), (), 3, ("directory",)),
    ("doc-invalid-utf8", ("--doc", "d.md"), None, (("d.md", b"\xff\xfe"),), 1, ("not UTF-8",)),
]:
    add(
        Case(
            f"{CAT}:{label}",
            CAT,
            (*REP, *extra),
            status,
            "skbuilder: ",
            words,
            (*GOOD_RESULTS, *files),
            all_of(folder("r"), setup) if setup else folder("r"),
        )
    )
for label, setup, files, words in [
    ("images-missing", None, (), ("imgs: no such folder",)),
    ("images-is-file", None, (("imgs", "x"),), ("no such folder",)),
    ("images-empty", folder("imgs"), (), ("no image files",)),
]:
    status = 1 if label == "images-empty" else 3  # a folder that is not there cannot be read
    files = ((SPEC, VALID), *files)
    add(Case(f"{CAT}:{label}", CAT, ANA, status, "skbuilder: imgs", words, files, setup))


# 15. Images: bounded by each side, by pixels and by the size they are resized to, before
# anything is decoded.
CAT = "images"
for label, width, height, size, words in [
    ("one-by-40-million", 40_000_000, 1, "32", ("each side must be from 1 to 30,000",)),
    ("40-million-by-one", 1, 40_000_000, "32", ("each side",)),
    ("side-30001", 30_001, 10, "32", ("each side",)),
    ("thin-resized", 20_000, 1, "224", ("resized to a shorter side of 224", "crop it")),
    ("thin-resized-tall", 2, 20_000, "224", ("over the limit of 50,000,000",)),
]:
    name = f"{label}.png"
    add(
        Case(
            f"{CAT}:attention-{label}",
            CAT,
            ("attention", SPEC, "-o", "o.png", "--input-size", size, "--image", name),
            1,
            f"skbuilder: {name}",
            words,
            ((SPEC, VALID), (name, png_header(width, height))),
        )
    )
for label, width, height, crop, words in [
    ("one-by-40-million", 40_000_000, 1, "0.875", ("each side",)),
    ("thin", 20_000, 1, "0.875", ("resized to a shorter side of 256",)),
    ("thin-small-crop", 20_000, 3, "0.25", ("resized to a shorter side of 896",)),
    ("jpeg-wide", 60_000, 2, "1", ("each side",)),
]:
    image = jpeg_header(width, height) if label.startswith("jpeg") else png_header(width, height)
    name = f"imgs/a.{'jpg' if label.startswith('jpeg') else 'png'}"
    add(
        Case(
            f"{CAT}:analyze-{label}",
            CAT,
            (*ANA, "--crop-fraction", crop, "--input-size", "224"),
            1,
            f"skbuilder: {name}",
            words,
            ((SPEC, VALID), (name, image)),
            folder("imgs"),
        )
    )


# 16. Standard output that cannot be written: one line, status 3, no traceback.
CAT = "streams"
WHY = {
    "full": "no space left on device",
    "eio": "input/output error",
    "closed": "it is closed",
}
for label, argv in [
    ("validate", ("validate", SPEC)),
    ("validate-json", ("validate", "--format", "json", SPEC)),
    ("list", ("list",)),
    ("summary", ("summary", SPEC)),
    ("dump", ("dump", SPEC)),
    ("schema", ("schema",)),
    ("help", ("--help",)),
    ("version", ("--version",)),
]:
    for kind, why in WHY.items():
        add(
            Case(
                f"{CAT}:{label}-{kind}",
                CAT,
                argv,
                3,
                f"skbuilder: cannot write to standard output: {why}",
                (),
                ((SPEC, VALID),),
                setup=(lambda root: (root / "x.dot").write_text("old"))
                if label == "render"
                else None,
                stdout=kind,
            )
        )


# 17. Commands: --plugin after every command name, output names that name folders, bounded
# drawings.
CAT = "commands"
for label, argv in [
    ("list", ("list",)),
    ("schema", ("schema",)),
    ("summary", ("summary", SPEC)),
    ("dump", ("dump", SPEC)),
    ("render", ("render", SPEC, "-o", "x.dot")),
    ("export", ("export", SPEC, "-o", "m.pt2")),
    ("attention", ("attention", SPEC, "--random", "-o", "o.png")),
    ("bench", ("bench", SPEC)),
    ("scale-analyze", ANA),
    ("scale-experiment", EXP),
    ("scale-report", REP),
]:
    add(
        plugin_case(
            f"plugin-after-{label}", CAT, "raise SystemExit(0)\n", ("sys.exit(0)",), argv=argv
        )
    )
for label, argv in [
    ("export-onnx", ("export", SPEC, "-o", "m.onnx/")),
    ("export-pt2", ("export", SPEC, "-o", "m.pt2/")),
    ("dump", ("dump", SPEC, "-o", "x.yaml/")),
    ("schema", ("schema", "-o", "s.json/")),
    ("render", ("render", SPEC, "-o", "d.svg/")),
    ("attention", ("attention", SPEC, "--random", "-o", "o.png/")),
]:
    add(
        Case(
            f"{CAT}:{label}-trailing-slash",
            CAT,
            argv,
            3,
            "skbuilder: cannot write",
            ("a name ending in / names a folder",),
            ((SPEC, VALID),),
        )
    )
DEEP = with_value("depth: 1", "depth: 1024")
for label, extra in [("stage-expand-1024", ("--stage", "a")), ("stage-expand-default", ())]:
    add(
        Case(
            f"{CAT}:render-{label}",
            CAT,
            ("render", SPEC, "-o", "x.dot", "--level", "stage", "--expand", *extra),
            1,
            "skbuilder: stage a has 1024 blocks",
            ("--expand draws at most 64",),
            ((SPEC, DEEP),),
        )
    )
