"""Excel ribbon add-in (.xlam) 绩效自评: building the VBA project and installing it."""
