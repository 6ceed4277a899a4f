"""財政措置シミュレーション and パラメータ: pages, JSON twins and downloads over ``kouiki.fiscal``."""
