"""公共施設計画: 更新費用, 指標, カルテ, 所要時間, 費用按分, 使用料, 協議会, インフラ; and the facility list import."""
