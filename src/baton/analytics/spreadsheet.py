"""Text cells made safe for spreadsheets (CSV and XLSX exports).

Team, agent and category names come from imported files and from users; a name
such as ``=HYPERLINK("http://...", "x")`` would run as a formula when the export is
opened in Excel, LibreOffice or Google Sheets (CSV or formula injection). As
OWASP advises, a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (and, as OWASP ASVS adds, a line feed or a NUL) is prefixed with
a single quote, so it is read as text. Only text columns are touched: numbers,
negative ones included, stay numbers.
"""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
"""First characters that make a spreadsheet read a cell as a formula."""
QUOTE = "'"
_STARTS = "^[" + "".join(f"\\x{ord(c):02X}" for c in FORMULA_STARTS) + "]"


def neutralise_formulas(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with every text cell that could start a formula prefixed with ``'``."""
    text = [name for name, dtype in table.schema.items() if dtype in (pl.String, pl.Categorical, pl.Enum)]
    return table.with_columns(
        [
            pl.when(pl.col(name).cast(pl.String).str.contains(_STARTS))
            .then(pl.lit(QUOTE) + pl.col(name).cast(pl.String))
            .otherwise(pl.col(name).cast(pl.String))
            .alias(name)
            for name in text
        ]
    )
