"""Take the screenshots of docs/web.md from the demo app (``kouiki serve --demo``) in Debian's /usr/bin/chromium.

Usage: ``PYTHONPATH=src python scripts/screenshot_web.py [--out docs/img]``. The demo runs in a fresh, temporary
data folder (nothing of the user's is read or written) on a free loopback port, with the demo data and logins
exactly as ``kouiki serve --demo`` makes them; the browser logs in as the demo 管理者 and saves:

- ``fiscal-harima.png``: the fiscal result of 播磨科学公園都市圏域 (the page's example plan plus one 公適債 of
  相生市, saved through the API: the headline per kind of support, the two 団体 × 年度 tables and the first
  lines, one explanation opened below its line).

Reproducible: same demo data, same window (1280 px wide, device scale 1), fonts of the machine's chromium.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshot-demo-password-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"), help="folder of the PNG files (docs/img)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kouiki-screens-") as tmp:
        os.environ["KOUIKI_DATA_DIR"] = tmp
        os.environ["KOUIKI_DEMO_PASSWORD"] = PASSWORD
        import uvicorn
        from playwright.sync_api import sync_playwright

        from kouiki.reference.user_parameters import register_user_parameters
        from kouiki.settings import user_parameters_dir
        from kouiki.store import session
        from kouiki.web import create_app
        from kouiki.web.demo import ensure_demo_logins, load_demo_data

        register_user_parameters(user_parameters_dir)
        with session() as s:  # as `kouiki serve --demo` does at start
            load_demo_data(s)
            ensure_demo_logins(s)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.started:
            print("デモのサーバーが起動しませんでした", file=sys.stderr)
            return 1
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1, locale="ja-JP")
                page.goto(f"{base}/login")
                page.get_by_label("利用者名").fill("admin")
                page.get_by_label("パスワード").fill(PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="ログイン").click()
                page.goto(f"{base}/fiscal?region=harima-kagaku-koen")
                # the example plan of the page, plus one 公適債 (長寿命化) of 相生市 in R9: saved through the API as an
                # officer would, so the result shows both blocks (特別交付税 / 交付税算入 of the bond's repayments)
                status = page.evaluate("""async () => {
                    const csrf = document.querySelector('input[name=csrf_token]').value;
                    const cur = await (await fetch('/api/regions/harima-kagaku-koen/fiscal-plan')).json();
                    const items = [...cur.plan.items, {measure: 'facility_bond', municipality: '282081', fiscal_year: 2027,
                                   cost_yen: 300000000, category: 'longevity', name: '相生市民会館の長寿命化'}];
                    const r = await fetch('/api/regions/harima-kagaku-koen/fiscal-plan', {method: 'PUT',
                        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
                        body: JSON.stringify({items: items, overrides: [], version: cur.version})});
                    return r.status; }""")
                if status != 200:
                    print(f"計画を保存できませんでした（{status}）", file=sys.stderr)
                    return 1
                page.goto(f"{base}/fiscal?region=harima-kagaku-koen")
                page.locator("#fiscal-lines tr.explain-row summary").first.click()
                page.evaluate("document.activeElement && document.activeElement.blur()")
                box = page.evaluate("""() => {  // page coordinates: from 結果 to the third line's explanation row
                    const abs = el => { const r = el.getBoundingClientRect(); return [r.top + window.scrollY, r.bottom + window.scrollY]; };
                    const top = abs(document.querySelector('#result'))[0];
                    const end = abs(document.querySelectorAll('#fiscal-lines tbody tr.explain-row')[2])[1];
                    return [top, end]; }""")
                clip = {"x": 0, "y": box[0] - 8, "width": 1280, "height": box[1] - box[0] + 16}
                target = out / "fiscal-harima.png"
                page.screenshot(path=str(target), full_page=True, clip=clip)
                print(f"{target}（{int(clip['width'])}×{int(clip['height'])}）")
                browser.close()
        finally:
            server.should_exit = True
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
