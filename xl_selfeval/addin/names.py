"""Names the add-in shares with the ribbon code: importing this costs nothing (no jinja2, no olefile)."""

from __future__ import annotations

ADDIN_TITLE = "绩效自评"  # ribbon tab label, the add-in's document title and every message box's title

# xlwings' VBA looks its settings up under its PROJECT_NAME constant (see build.use_xlwings_config_name):
# a sheet "<name>.conf" in the active workbook, then one in the add-in, then "<name>.conf" beside the
# active workbook, then %USERPROFILE%\.<name>\<name>.conf (Config.bas: GetConfig, GetConfigFilePath,
# GetDirectoryConfigFilePath). A name of our own keeps our settings apart from xlwings' own
# %USERPROFILE%\.xlwings\xlwings.conf and from any xlwings.conf sheet or file other tools rely on.
XLWINGS_CONFIG_NAME = "xl_selfeval"
