"""A workspace: a folder with careladder.toml (settings) and the store."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgers.readers.money import pence_from_pounds
from ledgers.readers.periods import FinancialYear
from ledgers.readers.problems import WorkspaceError
from ledgers.store.schema import STORE_FILE, Store, create_store, open_store
from ledgers.store.settings import setting_problems

SETTINGS_FILE = "careladder.toml"

_TEMPLATE = """\
# careladder workspace settings
authority = "{authority}"
financial_year = "{year}"
variance_threshold = 100000          # pounds; |variance| >= this is explained
variance_sign = "budget-minus-forecast"   # or "forecast-minus-budget"
rag_amber = 0.02                     # |variance| as a share of budget: amber from 2%
rag_red = 0.05                       # red from 5%

[contract]
value = {contract}                   # contract sum from the council, pounds
surplus_share_to_council = 0.90      # share of an underspend returned to the council
overspend_share_to_council = 0.0     # share of an overspend the council bears
# bands: the first part of an underspend retained in full by the trust, e.g.
# retained_in_full = 250000

[forecast]
inflation = 0.03                     # April uplift on placement weekly costs (MTFS and placement model)
# [forecast.uplift] per-line overrides, e.g. "Out of Area Residential" = 0.05

[savings]
red_at_risk = 0.25                   # a scheme is red when more than 25% of its target is at risk

[mtfs]
pay_award = 0.02                     # April pay award on staffing (non-placement expenditure) lines
contract_growth = 0.0                # yearly growth of the contract value
# contract_line = "Contract Value"   # the line carrying the contract sum (found from [contract] value)

[scenarios.high-demand]
description = "10% more children starting placements on every placement line"
demand_change = 0.10

[scenarios.inflation-shock]
description = "8% rise in independent placement prices in year 1"
price_change = {{ "Independent Fostering Agencies" = 0.08, "Out of Area Residential" = 0.08 }}

[scenarios.placements-strategy]
description = "The savings plan delivered: the Future Placements Strategy and the other schemes"
savings = true
"""


@dataclass
class Settings:
    authority: str
    financial_year: FinancialYear
    variance_threshold_p: int = 10_000_000
    variance_sign: str = "budget-minus-forecast"
    rag_amber: float = 0.02
    rag_red: float = 0.05
    contract_value_p: int = 0
    surplus_share_to_council: Decimal = Decimal("0.90")
    overspend_share_to_council: Decimal = Decimal("0")
    retained_in_full_p: int = 0
    raw: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def settings_from_toml(data: dict[str, Any], file: str = SETTINGS_FILE) -> Settings:
    """Settings from parsed TOML; every wrong setting is listed at once, naming the file and the setting."""
    problems = setting_problems(data)
    if problems:
        raise SettingsInvalid(file, problems)
    contract = data.get("contract", {})
    return Settings(
        authority=str(data["authority"]),
        financial_year=FinancialYear.parse(str(data["financial_year"])),
        variance_threshold_p=pence_from_pounds(data.get("variance_threshold", 100000)),
        variance_sign=str(data.get("variance_sign", "budget-minus-forecast")),
        rag_amber=float(data.get("rag_amber", 0.02)),
        rag_red=float(data.get("rag_red", 0.05)),
        contract_value_p=pence_from_pounds(contract.get("value", 0)),
        surplus_share_to_council=Decimal(str(contract.get("surplus_share_to_council", "0.90")).strip()),
        overspend_share_to_council=Decimal(str(contract.get("overspend_share_to_council", "0")).strip()),
        retained_in_full_p=pence_from_pounds(str(contract.get("retained_in_full", 0)).strip()),
        raw=data,
    )


class SettingsInvalid(WorkspaceError):
    """careladder.toml holds settings of the wrong type or outside their range (each named)."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        lines = [f"{file}: {p}" for p in problems]
        head = [] if len(lines) == 1 else [f"{file}: {len(lines)} settings are wrong; fix them and run again"]
        super().__init__("\n".join(head + lines))


@dataclass
class Workspace:
    path: Path
    settings: Settings

    @property
    def store_path(self) -> Path:
        return self.path / STORE_FILE

    def open(self, read_only: bool = False) -> Store:
        return open_store(self.store_path, read_only=read_only)


def init_workspace(path: Path, authority: str, year: str, contract_value: int = 0) -> Workspace:
    """Create a workspace folder with settings and an empty store."""
    fy = FinancialYear.parse(year)
    settings_file = path / SETTINGS_FILE
    if settings_file.exists() or (path / STORE_FILE).exists():
        raise WorkspaceError(f"{path} already holds a careladder workspace")
    safe = "".join(c if c.isprintable() else " " for c in authority).replace("\\", "\\\\").replace('"', '\\"')
    text = _TEMPLATE.format(authority=safe, year=fy.label, contract=contract_value)
    problems = setting_problems(tomllib.loads(text))
    if problems:  # checked before anything is written, so a corrected init can run again
        raise SettingsInvalid("init", [p.replace("[contract] value", "--contract-value") for p in problems])
    path.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(text, encoding="utf-8")
    create_store(path / STORE_FILE)
    return load_workspace(path)


def load_workspace(path: Path) -> Workspace:
    settings_file = path / SETTINGS_FILE
    if not settings_file.exists():
        raise WorkspaceError(
            f"{path} is not a careladder workspace (no {SETTINGS_FILE}); "
            "create one with: careladder init PATH --authority NAME --year 2019/20"
        )
    if not settings_file.is_file():
        raise WorkspaceError(f"{settings_file}: is a folder, not the settings file")
    try:
        data = tomllib.loads(settings_file.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise WorkspaceError(
            f"{settings_file}: is not UTF-8 text; open it in a text editor and save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{settings_file}: is not valid TOML: {exc}") from None
    except OSError as exc:
        raise WorkspaceError(f"{settings_file}: cannot be read: {exc.strerror or exc}") from None
    return Workspace(path, settings_from_toml(data, str(settings_file)))
