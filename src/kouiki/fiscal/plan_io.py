"""Reading a plan file (.yaml/.yml/.json/.xlsx): the file-format dispatch above :mod:`kouiki.fiscal.plan` (field
tables, validation) and :mod:`kouiki.fiscal.template` (the Excel sheet), which both stay below it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kouiki.fiscal.errors import PlanError, PlanIssue
from kouiki.fiscal.template import read_xlsx
from kouiki.reference.errors import KouikiError
from kouiki.reference.textfile import FileEncodingError, read_user_text


def read_plan_data(path: Path) -> tuple[Any, list[int] | None, str]:
    """Raw plan data from a .yaml/.yml/.json/.xlsx file, the Excel row / YAML line of each item, and a label
    of the source for messages (the path, with the sheet name for Excel)."""
    if path.exists() and not path.is_file():
        raise PlanError([PlanIssue(None, None, f"計画ファイルではありません（フォルダです）: {path}")], str(path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        items, rows, sheet = read_xlsx(path)
        return items, rows, f"{path}（シート「{sheet}」）"
    try:
        text = read_user_text(path)[0]
    except FileEncodingError as exc:
        raise PlanError([PlanIssue(None, None, str(exc))], str(path)) from None
    if suffix == ".json":
        try:
            return json.loads(text), None, str(path)
        except json.JSONDecodeError as exc:
            raise PlanError([PlanIssue(None, None, f"JSONとして読めません: {exc.msg}（{exc.lineno}行目）")], str(path)) from None
    if suffix in (".yaml", ".yml"):
        from kouiki.fiscal.params import load_yaml_strict

        try:
            data = load_yaml_strict(text, str(path))
        except KouikiError as exc:
            raise PlanError([PlanIssue(None, None, str(exc))], str(path)) from None
        _yaml_codes_as_text(text, data)
        return data, _yaml_item_lines(text, data), str(path)
    raise PlanError([PlanIssue(None, None, f"計画ファイルは .yaml .yml .json .xlsx のいずれかです: {path.name}")], str(path))


CODE_KEYS = frozenset({"municipality", "receiver", "sender", "partner_bodies", "central", "neighbors"})
_INT_TAG = "tag:yaml.org,2002:int"


def _yaml_codes_as_text(text: str, data: Any) -> None:
    """Codes are text: an unquoted ``010006`` is an octal integer to YAML (4102, which would be read as another
    body). Every plain integer scalar under a code key is replaced, in place, by the text as written."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return

    def scalar(node: Any, value: Any) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.style is None and node.tag == _INT_TAG:
            return node.value
        return value

    def walk(node: Any, value: Any) -> None:
        if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
            for k, v in node.value:
                key = getattr(k, "value", None)
                if key not in value:
                    continue
                if key in CODE_KEYS:
                    if isinstance(v, yaml.SequenceNode) and isinstance(value[key], list):
                        value[key] = [scalar(n, x) for n, x in zip(v.value, value[key], strict=False)]
                        continue
                    value[key] = scalar(v, value[key])
                    continue
                walk(v, value[key])
        elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
            for n, x in zip(node.value, value, strict=False):
                walk(n, x)

    walk(root, data)


def _yaml_item_lines(text: str, data: Any) -> list[int] | None:
    """The line on which each item starts in a YAML plan (errors then name the line)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    seq = root
    if isinstance(root, yaml.MappingNode):
        seq = next((v for k, v in root.value if getattr(k, "value", None) == "items"), None)
    if not isinstance(seq, yaml.SequenceNode):
        return None
    lines = [node.start_mark.line + 1 for node in seq.value]
    items = data.get("items") if isinstance(data, Mapping) else data
    return lines if isinstance(items, list) and len(items) == len(lines) else None


