"""専門人材: 派遣計画, 研修, 相談先 — pages, JSON twins and downloads over ``kouiki.staffing``."""
