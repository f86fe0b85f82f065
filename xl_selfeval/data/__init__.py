"""Data files shipped with the package: the 岳阳 2024 example forms as typed values."""
