"""`kouiki municipalities …`: look up bodies by code or name."""

from __future__ import annotations

import typer

from kouiki.cli.common import console, friendly_errors, print_json, table

app = typer.Typer(help="団体（都道府県・市区町村）の検索と表示", no_args_is_help=True)


def _fmt_int(v: int | None) -> str:
    return "不明" if v is None else f"{v:,}"


@app.command("show")
@friendly_errors
def show(
    query: str = typer.Argument(..., help="団体コード（5桁/6桁）または名称（例: 293636, 田原本町, 奈良県川西町）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """1団体の基本情報（団体コード・種別・国勢調査人口・面積）を表示する"""
    from rich.table import Table

    from kouiki.reference import municipalities as mun

    m = mun.get(query)
    if as_json:
        data = m.to_dict()
        data["sources"] = {k: vars(v) for k, v in mun.SOURCES.items()}
        print_json(data)
        return
    t = Table(title=f"{m.full_name}（{m.code}）", show_header=False)
    t.add_column("項目", style="bold", overflow="fold")
    t.add_column("値", overflow="fold")
    t.add_row("団体コード", f"{m.code}（5桁: {m.code5}）")
    t.add_row("種別", m.kind.value + ("・県庁所在地" if m.is_prefectural_capital else ""))
    t.add_row("よみ", m.kana)
    t.add_row("類似団体区分", m.similar_group or "—")
    t.add_row("人口（令和2年国勢調査）", _fmt_int(m.population_2020) + " 人")
    t.add_row("人口（平成27年国勢調査）", _fmt_int(m.population_2015) + " 人")
    t.add_row("総面積", "不明" if m.area_km2 is None else f"{m.area_km2:,} km²")
    t.add_row("可住地面積", "不明" if m.habitable_area_km2 is None else f"{m.habitable_area_km2:,} km²")
    if m.lat is not None:
        t.add_row("庁舎の位置", f"{m.lat:.5f}, {m.lon:.5f}")
    if m.derived:
        t.add_row("注記", "都道府県の数値は管内市区町村の合計（派生値）")
    console.print(t)


@app.command("search")
@friendly_errors
def search(
    text: str = typer.Argument(..., help="名称・よみ・コードの一部"),
    limit: int = typer.Option(50, help="表示する最大件数"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """名称・よみ・コードの一部で団体を検索する"""
    from kouiki.reference import municipalities as mun

    hits = mun.search(text, limit)
    if as_json:
        print_json([m.to_dict() for m in hits])
        return
    if not hits:
        console.print(f"「{text}」に一致する団体はありません。")
        raise typer.Exit(1)
    t = table(f"「{text}」の検索結果 {len(hits)} 件", "コード", "団体名", "種別", "人口(R2)")
    for m in hits:
        t.add_row(m.code, m.full_name, m.kind.value, _fmt_int(m.population_2020))
    console.print(t)
