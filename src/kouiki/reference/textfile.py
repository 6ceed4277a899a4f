"""Reading text files that users bring (計画・台帳・国勢調査・圏域の CSV/YAML/JSON): the one encoding detector.

Municipal PCs save files as UTF-8 (with or without BOM), CP932 (Excel「CSV（コンマ区切り）」) or UTF-16
(Excel「Unicode テキスト」). :func:`detect_encoding` tells them apart; :func:`read_user_text` returns the text
or raises :class:`FileEncodingError` naming the file, so no surface ever shows a ``UnicodeDecodeError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kouiki.reference.errors import KouikiError


class FileEncodingError(KouikiError, ValueError):
    """A file whose encoding is none of UTF-8, CP932 and UTF-16."""


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig`` / ``utf-16`` (BOM), ``utf-16-le``/``-be`` (NUL bytes, no BOM), ``utf-8`` or ``cp932``.

    UTF-8 is tried before CP932 (valid UTF-8 Japanese is almost never valid CP932 with the same meaning,
    while the reverse can happen). Never ``shift_jis``: CP932 also decodes the 機種依存文字 (①, ㈱ …).
    Raises :class:`FileEncodingError` (without a file name; :func:`read_user_text` adds it).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without BOM: guess the byte order from where the NULs sit (ASCII-heavy headers).
        return "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp932")
        return "cp932"
    except UnicodeDecodeError as exc:
        raise FileEncodingError(
            f"文字コードを判別できません（UTF-8・CP932・UTF-16 のいずれでもありません）: {exc.start}バイト目"
            " (unknown encoding)"
        ) from None


def decode_user_bytes(data: bytes, source: str) -> tuple[str, str]:
    """``(text, encoding)`` of a user's file content; errors name ``source``. A BOM is never part of the text."""
    try:
        encoding = detect_encoding(data)
        text = data.decode(encoding)
    except FileEncodingError as exc:
        raise FileEncodingError(f"{source}: {exc}") from None
    except UnicodeDecodeError as exc:  # a BOM-less UTF-16 guess that does not decode
        raise FileEncodingError(
            f"{source}: 文字コード {encoding} で読めません（{exc.start}バイト目） (unknown encoding)"
        ) from None
    return text.lstrip("\ufeff"), encoding


def read_user_text(path: Path | str) -> tuple[str, str]:
    """``(text, encoding)`` of a user's file. Missing file → ``FileNotFoundError``; folder → KouikiError."""
    p = Path(path)
    if p.is_dir():
        raise FileEncodingError(f"{p}: ファイルではありません（フォルダです） (a folder, not a file)")
    return decode_user_bytes(p.read_bytes(), str(p))


def yaml_error_text(exc: Exception, source: str) -> str:
    """One line for a YAML syntax error: ``計画.yaml 3行目: YAMLとして読めません: <problem>`` (PyYAML's own text
    spans several lines with a caret drawing; a CLI error must stay on one line)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" {mark.line + 1}行目" if mark is not None else ""
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return f"{source}{where}: YAMLとして読めません: {problem}"


def read_user_yaml(path: Path | str, error: type[Exception], what: str) -> Any:
    """A user's YAML file (any usual encoding), parsed. Unreadable → ``error`` naming the file; a syntax error →
    ``error`` naming the file and line (:func:`yaml_error_text`). The one YAML reader of parameter files."""
    import yaml

    p = Path(path)
    try:
        text = read_user_text(p)[0]
    except OSError as exc:
        raise error(f"{p}: {what}を読めません: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(yaml_error_text(exc, str(p))) from None


__all__ = ["FileEncodingError", "decode_user_bytes", "detect_encoding", "read_user_text", "read_user_yaml",
           "yaml_error_text"]
