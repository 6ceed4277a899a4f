"""`kouiki db …`: the store."""

from __future__ import annotations

import typer

from kouiki.cli.common import console, friendly_errors

app = typer.Typer(help="データベース（ストア）の管理", no_args_is_help=True)


@app.command("upgrade")
@friendly_errors
def upgrade() -> None:
    """データベースを最新の構造に移行し、同梱データを読み込む（初回は作成する）"""
    from kouiki.settings import database_url
    from kouiki.store.db import init_db

    init_db()
    url = database_url()
    shown = url.split("@")[-1] if "@" in url else url
    console.print(f"データベースを最新にしました: {shown}")
