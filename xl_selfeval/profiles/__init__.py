"""Named rule profiles (评分规则方案) shipped as TOML data, each rule with its source."""
