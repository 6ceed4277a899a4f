"""Wide-area facility planning: inventory, 更新費用, travel and access, scenarios, sharing, fees, financing."""
