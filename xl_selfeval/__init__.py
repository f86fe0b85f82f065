"""xl-selfeval: 预算绩效自评三表的生成、检查与重算。"""

__version__ = "0.1.0"
