"""`kouiki serve`: the web app on this PC (127.0.0.1 by default)."""

from __future__ import annotations

from typing import Any

import typer

from kouiki.cli.common import console, friendly_errors

app = typer.Typer(help="Web アプリ", no_args_is_help=False)


@app.callback(invoke_without_command=True)
@friendly_errors
def serve(
    demo: bool = typer.Option(False, "--demo", help="デモ用データとデモ用ログインを作成して起動する"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス（既定はこの PC のみ）"),
    port: int = typer.Option(8000, "--port", help="ポート番号"),
    workers: int = typer.Option(1, "--workers", help="プロセス数（PostgreSQL 利用時に増やせます）"),
    forwarded_allow_ips: str | None = typer.Option(
        None, "--forwarded-allow-ips", envvar="KOUIKI_FORWARDED_ALLOW_IPS",
        help="前段のリバースプロキシのアドレス（カンマ区切り）。そこからの X-Forwarded-Proto/For を信頼し、"
             "HTTPS なら Cookie に Secure を付けます（docs/web.md）"),
) -> None:
    """Web アプリを起動する（Ctrl+C で停止）"""
    import uvicorn

    from kouiki.settings import database_url
    from kouiki.store import init_db, session

    init_db()
    if demo:
        from kouiki.web.demo import ensure_demo_logins, load_demo_data

        with session() as s:
            notes = load_demo_data(s)
            logins = ensure_demo_logins(s)
        console.print("[bold]デモ用ログイン[/]（起動のたびにパスワードを作り直します）")
        for login in logins:
            console.print(f"  {login.role.label:<6} 利用者名 [bold]{login.username}[/]  パスワード [bold]{login.password}[/]"
                          f"  （{login.scope}）", highlight=False)
        for note in notes:
            console.print(f"  {note}", highlight=False)
    url = database_url()
    console.print(f"データ: {url.split('@')[-1]}", highlight=False)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"[bold green]kouiki Web アプリ: http://{shown}:{port}/[/]  （Ctrl+C で停止）", highlight=False)
    uvicorn.run("kouiki.web.app:create_app", **uvicorn_options(host, port, workers, forwarded_allow_ips))


def uvicorn_options(host: str, port: int, workers: int, forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn's settings: proxy headers are trusted only from the addresses given (none by default)."""
    trusted = ",".join(p.strip() for p in (forwarded_allow_ips or "").split(",") if p.strip())
    options: dict[str, Any] = {"factory": True, "host": host, "port": port, "workers": workers,
                                  "log_level": "warning", "access_log": False, "proxy_headers": bool(trusted)}
    if trusted:
        options["forwarded_allow_ips"] = trusted
    return options
