"""圏域: the region pages (一覧, ダッシュボード, 中心市チェック, 公共施設一覧と取込, シナリオ, 比較, 最適化) and their
JSON twins under ``/api`` — ``pages.py`` and ``api.py``, two route modules over the same views."""
